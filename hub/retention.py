"""Keeping the hub's logs as long as the indicator system asks, and no longer than the school says.

4.2 asks that logs be kept at least six months (网络设备日志保存时间应不少于六个月).
The hub keeps usage records, the boards' health history, the command log and
the access log for ``settings.retention_days`` (default 400: a school year and
its review fit; never below 180) and prunes what is older, once a day. On a
district hub each school's boards follow that school's own setting; the
command and access logs, which belong to no one school, follow the longest.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any

from .models import AccessLog, Board, BoardHour, CommandLog, UsageRecord

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


def prune(days: int, now: datetime | None = None, boards=None, logs: bool = True) -> dict[str, int]:
    """Delete what is older than ``days``; returns rows removed per log.

    ``boards`` (a query of board ids) limits the usage records and health
    history to those boards; ``logs=False`` leaves the hub-wide command and
    access logs alone (they belong to no one school).
    """
    if days < MINIMUM_DAYS:
        raise RetentionError(f"refusing to prune to {days} days; the minimum is {MINIMUM_DAYS}")
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    cutoff = (now - timedelta(days=days)).replace(tzinfo=None)
    old_records = UsageRecord.at < cutoff
    old_hours = BoardHour.hour < int((now - timedelta(days=days)).timestamp()) // 3600
    if boards is not None:
        old_records &= UsageRecord.board_id.in_(boards)
        old_hours &= BoardHour.board_id.in_(boards)
    removed = {"usage_records": UsageRecord.delete().where(old_records).execute(),
               "health_hours": BoardHour.delete().where(old_hours).execute()}
    if logs:
        removed["command_log"] = CommandLog.delete().where(CommandLog.at < cutoff).execute()
        removed["access_log"] = AccessLog.delete().where(AccessLog.at < cutoff).execute()
    return removed


def prune_every_school(now: datetime | None = None) -> dict[str, dict[str, int]]:
    """Each school's boards by its own ``retention_days``; what belongs to no one school (the command and access
    logs, records of boards no longer on the hub) by the longest any school asks. A school whose setting is
    invalid is not pruned at all (logged): nothing is deleted on a guess."""
    import logging

    from .bundles import school_content
    from .district.schools import tenants
    from .tenancy import acting_for

    days: dict[str, int] = {}
    for school in tenants():
        with acting_for(school):
            try:
                days[school] = retention_days(school_content().get("settings", {}))
            except RetentionError as exc:
                logging.getLogger(__name__).error("retention: school %r not pruned: %s", school, exc)
    removed = {school: prune(d, now, Board.select(Board.id).where(Board.school == school), logs=False)
               for school, d in days.items()}
    if len(days) == len(tenants()):  # every school's wish is known: the longest one is safe for the rest
        longest = max(days.values(), default=DEFAULT_DAYS)
        removed["*"] = prune(longest, now, boards=None, logs=True)
    return removed


def run_daily(stop: threading.Event, every_s: float = 86400.0) -> None:
    """The hub's daily pruning, until ``stop``; a failure is logged and tried again the next day."""
    import logging

    while not stop.is_set():
        try:
            removed = prune_every_school()
            logging.getLogger(__name__).info("retention: pruned %s", removed)
        except Exception:  # noqa: BLE001 - keep serving; the next day tries again
            logging.getLogger(__name__).exception("retention: pruning failed")
        stop.wait(every_s)
