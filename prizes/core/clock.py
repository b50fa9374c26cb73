"""Time: stored in UTC, shown in Geneva time; deadlines fall at 23:00 in Geneva."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

GENEVA = ZoneInfo("Europe/Zurich")
DEADLINE_TIME = time(23, 0)


def now() -> datetime:
    """The server's clock, aware and in UTC: the only clock that decides anything."""
    return datetime.now(UTC)


def geneva_deadline(day: date) -> datetime:
    """The contest's deadline on ``day``: 23:00 Geneva time, as an aware UTC datetime."""
    return datetime.combine(day, DEADLINE_TIME, tzinfo=GENEVA).astimezone(UTC)


def in_geneva(moment: datetime) -> datetime:
    return moment.astimezone(GENEVA)
