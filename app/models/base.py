"""What every table shares: aware timestamps in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


def when_column(**kwargs) -> Column:
    """A timezone-aware timestamp column; values are stored and compared in UTC."""
    return Column(DateTime(timezone=True), **kwargs)
