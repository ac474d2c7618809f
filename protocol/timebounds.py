"""Time bounds on a board's records from its signed checkpoints: when a record entered the log.

A checkpoint says "at time T my log held L records" (L is the tree size, or its
``held`` line when the board signed for an earlier size). An append-only log
then bounds every record's date from both sides:

* a record with seq ≤ L was already in the log at T, so it cannot be dated
  after T (**forward-dated** otherwise: written in advance);
* a record with seq > L entered the log after T, so the activity it records
  cannot have ended before T (**backdated** otherwise: added later with an old
  date). A record is dated by its start (``at``) and lasts ``duration_s``; a
  teacher's session is written when it ends, dated when it began, so the end
  (``at + duration_s``) is what must follow T.

The board signs a checkpoint of its whole log at least daily, online or not
(edge/jobs.py), and the hub keeps them all, so a record can be backdated at
most into the day it was written in. Anyone holding the checkpoints and the
records can check this: ``verify-evidence`` does (hub/evidence/logcheck.py),
and a witness can compare its checkpoints' times with ``ordered``.
"""
from __future__ import annotations

from bisect import bisect_left
from datetime import datetime, timedelta
from typing import Iterable, Sequence

from .checkpoint import Checkpoint
from .records import RecordError, format_time, parse_time

# Our choice: a board's clock follows NTP (or the hub's Date header) and is
# normally within a second; five minutes covers an RTC that drifted over a
# long offline stretch and the time a record takes to be stored after it is
# dated, while still catching a record moved into another lesson or day.
CLOCK_TOLERANCE = timedelta(minutes=5)
MAX_LINES = 20  # problem lines per board and kind; the rest are counted


def checkpoint_time(point: Checkpoint) -> datetime | None:
    """The checkpoint's ``time`` line as a datetime, or None when it has none or it is unreadable."""
    try:
        return parse_time(point.time) if point.time else None
    except RecordError:
        return None


def ordered(earlier: Checkpoint, later: Checkpoint, tolerance: timedelta = CLOCK_TOLERANCE) -> bool:
    """False when ``later`` holds records ``earlier``'s log did not, yet was signed before it (a clock
    turned back, or a checkpoint signed for a log re-made afterwards)."""
    t0, t1 = checkpoint_time(earlier), checkpoint_time(later)
    return t0 is None or t1 is None or later.size <= earlier.log_held or t1 >= t0 - tolerance


def time_bound_problems(board_id: str, records: Sequence[tuple[int, datetime, datetime]],
                        checkpoints: Iterable[Checkpoint], tolerance: timedelta = CLOCK_TOLERANCE) -> list[str]:
    """Named problems for records dated outside what the checkpoints allow.

    ``records``: ``(seq, at, end)`` with ``end = at + duration_s``; ``checkpoints``: already verified
    as the board's. Runs in O((records + checkpoints) · log checkpoints).
    """
    points = sorted(((p.log_held, t, p) for p in checkpoints if (t := checkpoint_time(p)) is not None),
                    key=lambda x: x[0])
    if not points:
        return []
    helds = [h for h, _, _ in points]
    earliest_after = list(points)  # earliest_after[i]: the earliest-signed of points[i:]
    for i in range(len(points) - 2, -1, -1):
        earliest_after[i] = min(points[i], earliest_after[i + 1], key=lambda x: x[1])
    latest_before = list(points)  # latest_before[i]: the latest-signed of points[:i + 1]
    for i in range(1, len(points)):
        latest_before[i] = max(points[i], latest_before[i - 1], key=lambda x: x[1])
    forward, back = [], []
    for seq, at, end in records:
        i = bisect_left(helds, seq)  # points[i:] held this record, points[:i] did not yet
        if i < len(points) and at > earliest_after[i][1] + tolerance:
            held, t, point = earliest_after[i]
            forward.append(f"board {board_id}: seq {seq}: forward-dated — dated {format_time(at)}, but the "
                           f"board's checkpoint signed {format_time(t)} already held it ({held} records)")
        if i > 0 and end < latest_before[i - 1][1] - tolerance:
            held, t, point = latest_before[i - 1]
            back.append(f"board {board_id}: seq {seq}: backdated — dated {format_time(at)} (ending "
                        f"{format_time(end)}), but it entered the log after the board's checkpoint signed "
                        f"{format_time(t)}, which held only {held} records")
    problems = []
    for found, what in ((forward, "forward-dated"), (back, "backdated")):
        problems += found[:MAX_LINES]
        if len(found) > MAX_LINES:
            problems.append(f"board {board_id}: {len(found) - MAX_LINES} more records {what}")
    return problems


def record_times(rec: dict) -> tuple[int, datetime, datetime] | None:
    """``(seq, at, end)`` of a wire record, or None when its time cannot be read (named elsewhere)."""
    try:
        at = parse_time(rec["at"])
        return rec["seq"], at, at + timedelta(seconds=max(0, int(rec.get("duration_s") or 0)))
    except (RecordError, KeyError, TypeError, ValueError, OverflowError):
        return None
