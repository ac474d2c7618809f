"""A small database-backed attempt counter for family sign-ins and code entry.

It lives in the database so that it holds across the hub's worker processes and restarts.
Seam: branch ``sec`` builds a general sign-in throttle under hub/security/; when it lands,
``too_many``/``failed``/``forget`` here become calls into it and this table goes away.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from .models import FamilyAttempt

WINDOW = timedelta(minutes=15)
LIMIT = 10  # failures per key per window


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def too_many(key: str, limit: int = LIMIT, window: timedelta = WINDOW) -> bool:
    """True when ``key`` failed ``limit`` times within ``window``: refuse before checking anything."""
    since = _now() - window
    return FamilyAttempt.select().where((FamilyAttempt.key == key) & (FamilyAttempt.at >= since)).count() >= limit


def failed(key: str) -> None:
    now = _now()
    FamilyAttempt.create(key=key[:200], at=now)
    FamilyAttempt.delete().where(FamilyAttempt.at < now - 4 * WINDOW).execute()  # keep the table small


def forget(key: str) -> None:
    """A success clears the key's failures."""
    FamilyAttempt.delete().where(FamilyAttempt.key == key[:200]).execute()
