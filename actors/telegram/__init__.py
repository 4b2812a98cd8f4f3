"""The bot's Telegram edge: turning model answers into messages Telegram accepts."""
