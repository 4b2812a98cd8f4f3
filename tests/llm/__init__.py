"""Tests of the LLM edge: SSE parsing, errors, the client against the fake OpenRouter, the breaker."""
