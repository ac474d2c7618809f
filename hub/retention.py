"""Keeping the hub's logs as long as the indicator system asks, and no longer than the school says.

4.2 asks that logs be kept at least six months (网络设备日志保存时间应不少于六个月).
The hub keeps usage records, the boards' health history, the command log and
the access log for ``settings.retention_days`` (default 400: a school year and
its review fit; never below 180) and prunes what is older, once a day.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any

from .models import AccessLog, BoardHour, CommandLog, UsageRecord

DEFAULT_DAYS = 400
MINIMUM_DAYS = 180


class RetentionError(ValueError):
    """A retention shorter than the indicator system allows."""


def retention_days(settings: dict[str, Any] | None = None) -> int:
    """The retention in force; a setting below 180 days is refused, not silently raised."""
    days = (settings or {}).get("retention_days", DEFAULT_DAYS)
    if not isinstance(days, int) or isinstance(days, bool) or days < MINIMUM_DAYS:
        raise RetentionError(f"settings.retention_days must be a whole number of days ≥ {MINIMUM_DAYS} "
                             f"(4.2: logs kept at least six months), not {days!r}")
    return days


def prune(days: int, now: datetime | None = None) -> dict[str, int]:
    """Delete what is older than ``days``; returns rows removed per log."""
    if days < MINIMUM_DAYS:
        raise RetentionError(f"refusing to prune to {days} days; the minimum is {MINIMUM_DAYS}")
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    cutoff = (now - timedelta(days=days)).replace(tzinfo=None)
    return {
        "usage_records": UsageRecord.delete().where(UsageRecord.at < cutoff).execute(),
        "health_hours": BoardHour.delete().where(BoardHour.hour < int((now - timedelta(days=days)).timestamp()) // 3600
                                                 ).execute(),
        "command_log": CommandLog.delete().where(CommandLog.at < cutoff).execute(),
        "access_log": AccessLog.delete().where(AccessLog.at < cutoff).execute(),
    }


def prune_school(now: datetime | None = None) -> dict[str, int]:
    """Prune by the school's own setting."""
    from .bundles import school_content

    return prune(retention_days(school_content().get("settings", {})), now)


def run_daily(stop: threading.Event, every_s: float = 86400.0) -> None:
    """The hub's daily pruning, until ``stop``; a failure is logged and tried again the next day."""
    import logging

    while not stop.is_set():
        try:
            removed = prune_school()
            logging.getLogger(__name__).info("retention: pruned %s", removed)
        except Exception:  # noqa: BLE001 - keep serving; the next day tries again
            logging.getLogger(__name__).exception("retention: pruning failed")
        stop.wait(every_s)
