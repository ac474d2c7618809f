"""A built report kept in the database: asking again for a school's report costs a few reads, not a rebuild.

Building one school's report from its stored counts (tally.py) takes tens of
milliseconds per point and kind of unit, and more under load; on a district hub
every school's page and the district overview ask for it again and again. The
figures stay the same until something they are built from changes, so they are
kept in ``SchoolData`` (every hub process shares them), one row per school and
term (and one for the last explicit dates asked for, so that arbitrary date
ranges cannot pile up rows), under a key naming everything they were built from:

- the school's content (its SHA-256: rules, policy, timetable, calendar, classes, names);
- the rules in force (the defaults ship with the code) and the report code itself;
- the period and the as-of day;
- the stored counts: the tally's ``counted`` token (new whenever they change) and its mark;
- the records received after the mark, which are counted on the fly (a digest of their ids).

Any difference rebuilds, so a kept report is never stale. The fleet figures
(boards heard from, their chips) come from the health history, which changes by
the hour without any record, and are read fresh and attached every time.

``content`` keeps the last few schools' parsed content in this process, keyed by
the stored text's SHA-256, so an unchanged timetable and roster is hashed, not
parsed again. Callers must not change what it returns.
"""
from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from pathlib import Path
from typing import Any

from ..bundles import EMPTY_SCHOOL
from ..models import SchoolData
from ..tenancy import data_key

KEY = "report.kept"
PARSED_KEPT = 16  # schools' parsed content per process (a 40-class school's is a few hundred kB)
# the report code: a hub upgraded to different figures never serves figures built by the old code
CODE = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(Path(__file__).parent.glob("*.py")))).hexdigest()
_parsed: OrderedDict[str, dict[str, Any]] = OrderedDict()


def content() -> tuple[str, dict[str, Any]]:
    """(SHA-256 of the stored text, the content) of the current school; the content is shared: read only."""
    raw = SchoolData.select(SchoolData.value).where(SchoolData.key == data_key("school")).scalar()
    if raw is None:
        return "none", dict(EMPTY_SCHOOL)
    digest = hashlib.sha256(raw.encode()).hexdigest()
    if digest in _parsed:
        _parsed.move_to_end(digest)
    else:
        _parsed[digest] = json.loads(raw)
        while len(_parsed) > PARSED_KEPT:
            _parsed.popitem(last=False)
    return digest, _parsed[digest]


def key_of(**parts: Any) -> str:
    """One key for everything a report was built from (``parts`` must be JSON)."""
    return hashlib.sha256(json.dumps(dict(parts, code=CODE), sort_keys=True, ensure_ascii=False,
                                     default=str).encode()).hexdigest()


def _row_key(period: str) -> str:
    return data_key(f"{KEY}/{period}")


def kept(period: str, key: str) -> dict[str, Any] | None:
    """The report kept for ``period`` if it was built from exactly ``key``, else None."""
    raw = SchoolData.select(SchoolData.value).where(SchoolData.key == _row_key(period)).scalar()
    if raw is None:
        return None
    stored_key, _, report = raw.partition("\n")  # the key first: a different one is not parsed at all
    return json.loads(report) if stored_key == key else None


def keep(period: str, key: str, report: dict[str, Any]) -> None:
    """Keep ``report`` (built from ``key``) for ``period``, replacing the one kept before."""
    SchoolData.upsert(key=_row_key(period), value=key + "\n" + json.dumps(report, ensure_ascii=False),
                      version=0)  # 0: the boards' bundles (hub/bundles.py sums the versions) need no re-signing
