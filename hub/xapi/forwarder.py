"""Sending substantive records to the LRS, board by board, remembering how far each board has gone.

The per-board high-water mark only moves after the LRS has taken a batch, so
a crash or an LRS outage resends at most one batch, which is harmless because
statement ids are record ids. A batch the LRS refuses with 409 (it already
holds one of the ids) is retried one statement at a time with PUT, where 204
and 409 both mean the LRS holds it.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import requests

from ..bundles import school_content
from ..models import Board, SchoolData, UsageRecord, database
from ..report.rules import load_rules
from ..report.source import wire_records
from .statements import VERSION, statement, substantive

log = logging.getLogger(__name__)
MARKS_KEY = "xapi.marks"


class LrsError(RuntimeError):
    """The LRS could not take statements now; the marks were not moved."""


@dataclass
class Lrs:
    endpoint: str  # e.g. https://lrs.example.edu/xapi/ ; statements go to <endpoint>/statements
    username: str = ""
    password: str = ""
    timeout_s: float = 10.0
    session: requests.Session = field(default_factory=requests.Session)

    def _call(self, method: str, body: Any, params: dict[str, str] | None = None) -> requests.Response:
        try:
            return self.session.request(
                method, self.endpoint.rstrip("/") + "/statements", params=params, timeout=self.timeout_s,
                data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                auth=(self.username, self.password) if self.username else None,
                headers={"X-Experience-API-Version": VERSION, "Content-Type": "application/json"})
        except requests.RequestException as exc:
            raise LrsError(f"LRS unreachable: {exc}") from None

    def send(self, statements: list[dict[str, Any]]) -> None:
        reply = self._call("POST", statements)
        if reply.status_code == 409:
            for one in statements:
                single = self._call("PUT", one, {"statementId": one["id"]})
                if single.status_code not in (204, 409):
                    raise LrsError(f"LRS refused statement {one['id']}: {single.status_code} {single.text[:200]}")
        elif reply.status_code != 200:
            raise LrsError(f"LRS refused a batch: {reply.status_code} {reply.text[:200]}")


def _marks() -> dict[str, int]:
    row = SchoolData.get_or_none(SchoolData.key == MARKS_KEY)
    return json.loads(row.value) if row else {}


def _save_mark(board_id: str, seq: int) -> None:
    with database.atomic():
        marks = _marks()
        marks[board_id] = seq
        SchoolData.upsert(key=MARKS_KEY, value=json.dumps(marks), version=1)


def forward(lrs: Lrs, home_page: str, batch: int = 50) -> dict[str, int]:
    """Send every substantive record not yet sent; returns counts. Raises LrsError when the LRS fails."""
    school = school_content()
    rules = load_rules(school.get("settings", {}).get("report_rules"))
    sent = skipped = 0
    marks = _marks()
    for board in Board.select(Board.id).order_by(Board.id):
        mark = marks.get(board.id, 0)
        if not UsageRecord.select().where((UsageRecord.board_id == board.id) & (UsageRecord.seq > mark)).exists():
            continue
        pending: list[dict[str, Any]] = []
        last = mark
        for rec in wire_records(board.id, start_after=mark):
            last = rec["seq"]
            if substantive(rec, rules):
                pending.append(statement(rec, home_page, school["school"]["id"]))
            else:
                skipped += 1
            if len(pending) >= batch:
                lrs.send(pending)
                sent += len(pending)
                pending = []
                _save_mark(board.id, last)
        if pending:
            lrs.send(pending)
            sent += len(pending)
        _save_mark(board.id, last)
    return {"sent": sent, "skipped": skipped}
