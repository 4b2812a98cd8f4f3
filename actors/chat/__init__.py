"""The per-chat actor: one dialog, one message at a time."""
