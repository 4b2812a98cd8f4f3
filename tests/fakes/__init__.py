"""Fake servers that speak the real protocols of services unreachable from tests (Telegram, OpenRouter)."""
