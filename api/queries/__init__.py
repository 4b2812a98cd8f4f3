"""The SQL behind each route: read the rollups (``db.rollups``) and build the response models."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from api.params import Range
from api.schemas import Bucket, DialogMessages, DialogPage, ModelsReport, RolesReport, Summary, TimeSeries, TopUsers


async def summary(db: AsyncConnection, window: Range) -> Summary:
    raise NotImplementedError


async def time_series(db: AsyncConnection, window: Range, bucket: Bucket, zone: Any) -> TimeSeries:
    raise NotImplementedError


async def dialogs(
    db: AsyncConnection, *, limit: int, cursor: str | None, name_or_id: str | None, text: str | None
) -> DialogPage:
    raise NotImplementedError


async def dialog_messages(
    db: AsyncConnection, chat_id: int, *, limit: int, cursor: str | None
) -> DialogMessages | None:
    raise NotImplementedError


async def top_users(db: AsyncConnection, window: Range, *, limit: int) -> TopUsers:
    raise NotImplementedError


async def models(
    db: AsyncConnection, window: Range, *, configured: dict[str, str], events_per_model: int
) -> ModelsReport:
    raise NotImplementedError


async def roles(db: AsyncConnection, window: Range) -> RolesReport:
    raise NotImplementedError
