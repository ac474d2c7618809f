"""The hub's records, keys, calendar and classes as the report and the evidence archive read them."""
from __future__ import annotations

import json
from datetime import date, timezone
from typing import Any, Iterator

from protocol.records import format_time

from ..bundles import school_content
from ..models import UsageRecord


def wire_records(board_id: str, batch: int = 5000, start_after: int = 0) -> Iterator[dict[str, Any]]:
    """A board's stored records in their wire form (protocol 2 leaves, with their leaf hash), in seq order, read a page at a time."""
    last = start_after
    while True:
        rows = list(UsageRecord.select().where((UsageRecord.board_id == board_id) & (UsageRecord.seq > last))
                    .order_by(UsageRecord.seq).limit(batch))
        for row in rows:
            yield {"id": row.id, "board_id": row.board_id, "seq": row.seq, "kind": row.kind,
                   "at": format_time(row.at.replace(tzinfo=timezone.utc)), "class_id": row.class_id,
                   "initiator": row.initiator, "duration_s": row.duration_s, "data": json.loads(row.data),
                   "hash": row.hash}
        if len(rows) < batch:
            return
        last = rows[-1].seq


def term_range(term_id: str | None, start: str | None, end: str | None,
               school: dict[str, Any] | None = None) -> tuple[date, date, str]:
    """The report's period: a term of the school calendar (of ``school``, default the stored one), or explicit dates."""
    school = school or school_content()
    terms = school["calendar"]["terms"]
    if term_id:
        for term in terms:
            if term["id"] == term_id:
                return date.fromisoformat(term["start"]), date.fromisoformat(term["end"]), term["name"]
        raise ValueError(f"no term {term_id!r}; terms: {', '.join(t['id'] for t in terms) or 'none'}")
    if not (start and end):
        raise ValueError("give --term, or both --from and --to")
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        raise ValueError(f"dates must be YYYY-MM-DD, not {start!r} / {end!r}") from None
    if last < first:
        raise ValueError(f"--to {end} is before --from {start}")
    return first, last, f"{start} 至 {end}"
