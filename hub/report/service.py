"""Making the report on the hub: the school's rules, classes and calendar, and the up-to-date counts."""
from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from ..bundles import school_content
from . import tally
from .compute import build_report, week_index
from .rules import load_rules
from .source import term_range


def report_inputs(term: str | None = None, start: str | None = None, end: str | None = None) -> dict[str, Any]:
    """Everything besides the records that the figures depend on; the evidence archive carries the same."""
    school = school_content()
    first, last, name = term_range(term, start, end)
    return {"school": school["school"], "rules": load_rules(school.get("settings", {}).get("report_rules")),
            "classes": [{"id": c["id"], "name": c["name"]} for c in school["classes"]],
            "calendar": school["calendar"], "from": first.isoformat(), "to": last.isoformat(), "period": name}


def title_of(inputs: dict[str, Any]) -> str:
    return f"{inputs['school']['name']} 常态化应用报告（{inputs['period']}）"


def make_report(term: str | None = None, start: str | None = None, end: str | None = None) -> dict[str, Any]:
    """The report's figures; ValueError with a readable message for a bad period or bad rules."""
    inputs = report_inputs(term, start, end)
    zone = ZoneInfo(inputs["school"].get("timezone", "Asia/Shanghai"))
    tally.refresh(inputs["rules"], zone)
    first, last = date.fromisoformat(inputs["from"]), date.fromisoformat(inputs["to"])
    counts = tally.counts_between(inputs["rules"], zone, week_index(first), week_index(last),
                                  [c["id"] for c in inputs["classes"]])
    return build_report(counts, inputs["rules"], inputs["classes"], inputs["calendar"], first, last, title_of(inputs))
