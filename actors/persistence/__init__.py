"""The bot's writes to PostgreSQL: records, batching, the spill file for outages, and reads."""
