"""Which notices a board shows now, most urgent first."""
from __future__ import annotations

from datetime import datetime

from peewee import fn

from ..clock import Clock, utc
from ..store import models as m


class NoticeBoard:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def _audience(self, class_id: str | None, grade: str | None, board_id: str | None):
        n = m.Notice
        allowed = n.audience_scope == "school"
        if grade:
            allowed |= (n.audience_scope == "grade") & (n.audience_value == grade)
        if class_id:
            allowed |= (n.audience_scope == "class") & (n.audience_value == class_id)
        if board_id:
            allowed |= (n.audience_scope == "board") & (n.audience_value == board_id)
        return allowed

    def active(self, *, class_id: str | None = None, grade: str | None = None,
               board_id: str | None = None, at: datetime | None = None) -> list[m.Notice]:
        """Notices in force now for this audience: emergency, then priority, then newest."""
        now = utc(at or self.clock.now()).replace(tzinfo=None)
        n = m.Notice
        return list(n.select().where(
            self._audience(class_id, grade, board_id)
            & (n.starts_at <= now) & ((n.ends_at.is_null()) | (n.ends_at > now))
        ).order_by(n.emergency.desc(), n.priority.desc(), n.starts_at.desc(), n.id))

    def emergency(self, **audience) -> m.Notice | None:
        active = self.active(**audience)
        return active[0] if active and active[0].emergency else None

    def next_change(self, **audience) -> datetime | None:
        """When the set of active notices next changes, so the screen re-renders then, not on a tick."""
        now = utc(self.clock.now()).replace(tzinfo=None)
        n = m.Notice
        where = self._audience(audience.get("class_id"), audience.get("grade"), audience.get("board_id"))
        starts = n.select(fn.MIN(n.starts_at)).where(where & (n.starts_at > now)).scalar()
        ends = n.select(fn.MIN(n.ends_at)).where(where & (n.ends_at > now)).scalar()
        candidates = [utc(x) for x in (starts, ends) if x is not None]
        return min(candidates) if candidates else None
