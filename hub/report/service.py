"""Making the report on the hub: the school's rules, classes, calendar and timetable, the boards, the counts."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from ..bundles import school_content
from ..models import SchoolData
from ..retention import retention_days
from ..tenancy import data_key
from . import tally
from .compute import build_report, week_index
from .compute_weeks import school_year
from .fleet import fleet_figures
from .rules import load_rules
from .source import term_range
from .units import members


def report_inputs(term: str | None = None, start: str | None = None, end: str | None = None,
                  as_of: date | None = None) -> dict[str, Any]:
    """Everything besides the records that the figures depend on; the evidence archive carries the same.

    ``as_of`` (default today in the school's zone) decides which weeks are over
    and which are 未到. The fleet figures (coverage, domestic share,
    availability) come from the hub's health history, not from signed records,
    and are carried here as the hub's declaration.
    """
    school = school_content()
    first, last, name = term_range(term, start, end)
    settings = school.get("settings", {})
    rules = load_rules(settings.get("report_rules"))
    zone = ZoneInfo(school["school"].get("timezone", "Asia/Shanghai"))
    as_of = as_of or datetime.now(timezone.utc).astimezone(zone).date()
    inputs = {"school": school["school"], "rules": rules,
              "classes": [{"id": c["id"], "name": c["name"], "bell_schedule_id": c.get("bell_schedule_id")}
                          for c in school["classes"]],
              "calendar": school["calendar"], "from": first.isoformat(), "to": last.isoformat(), "period": name,
              "as_of": as_of.isoformat(),
              "timetable": {"bell_schedules": school.get("bell_schedules", []), "lessons": school.get("lessons", []),
                            "teachers": [{"id": t["id"], "name": t["name"]} for t in school.get("teachers", [])],
                            "broadcasts": [{"id": b["id"], "name": b.get("name", "")}
                                           for b in school.get("broadcasts", [])]}}
    inputs["fleet"] = dict(fleet_figures(school, rules["policy"], first, last, as_of, zone),
                           retention_days=retention_days(settings))
    return inputs


def content_key() -> str:
    """The school content's version: the stored counts are recounted when the timetable may have changed."""
    version = SchoolData.select(SchoolData.version).where(SchoolData.key == data_key("school")).scalar()
    return f"school-v{version}"


def refresh_counts(rules: dict[str, Any], zone: ZoneInfo, now: datetime | None = None) -> dict[str, Any]:
    """The nightly update: add the day's records to the stored counts, reading the timetable only for a recount."""
    def content() -> dict[str, Any]:
        school = school_content()
        return {k: school.get(k, []) for k in ("bell_schedules", "lessons", "classes")} | {
            "calendar": school["calendar"]}

    return tally.refresh(rules, zone, now, content=content, content_key=content_key())


def title_of(inputs: dict[str, Any]) -> str:
    return f"{inputs['school']['name']} 常态化应用报告（{inputs['period']}）"


def make_report(term: str | None = None, start: str | None = None, end: str | None = None,
                as_of: date | None = None, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    """The report's figures; ValueError with a readable message for a bad period or bad rules."""
    inputs = inputs or report_inputs(term, start, end, as_of)
    zone = ZoneInfo(inputs["school"].get("timezone", "Asia/Shanghai"))
    content = dict(inputs["timetable"], classes=inputs["classes"], calendar=inputs["calendar"])
    tally.refresh(inputs["rules"], zone, content=content, content_key=content_key())
    first, last = date.fromisoformat(inputs["from"]), date.fromisoformat(inputs["to"])
    year_first, year_last, _ = school_year(inputs["calendar"], first)
    unit_ids = [m["id"] for group in members(content).values() for m in group]
    counts = tally.counts_between(week_index(min(first, year_first)), week_index(max(last, year_last)), unit_ids)
    kinds = sorted({c["kind"] for spec in inputs["rules"]["points"].values() for c in spec["any"]})
    recent = {clause[5:] for clause in counts.n if clause.startswith("kind:")}
    inputs.setdefault("kinds_held", sorted(set(tally.kinds_held(kinds)) | (recent & set(kinds))))
    return build_report(counts, inputs, title_of(inputs))
