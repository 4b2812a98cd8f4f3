"""The SQL behind each route: read the rollups (``db.rollups``) and build the response models."""

from __future__ import annotations

from api.queries.dialogs import dialog_messages, dialogs
from api.queries.reports import models, roles, top_users
from api.queries.series import time_series
from api.queries.stats import summary

__all__ = ["dialog_messages", "dialogs", "models", "roles", "summary", "time_series", "top_users"]
