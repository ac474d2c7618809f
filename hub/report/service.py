"""Making the report on the hub: the school's rules, classes, calendar and timetable, the boards, the counts."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from ..bundles import school_content
from ..models import SchoolData
from ..retention import retention_days
from ..tenancy import data_key
from . import cache, tally
from .compute import build_report, summary_rows, week_index
from .compute_weeks import school_year
from .fleet import fleet_figures
from .rules import load_rules
from .source import term_range
from .units import members


def report_inputs(term: str | None = None, start: str | None = None, end: str | None = None,
                  as_of: date | None = None, school: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything besides the records that the figures depend on; the evidence archive carries the same.

    ``as_of`` (default today in the school's zone) decides which weeks are over
    and which are 未到. The fleet figures (coverage, domestic share,
    availability) come from the hub's health history, not from signed records,
    and are carried here as the hub's declaration. ``school``: the content, when the caller has read it.
    """
    school = school or school_content()
    first, last, name = term_range(term, start, end, school)
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
    """The report's figures; ValueError with a readable message for a bad period or bad rules.

    Without ``inputs`` the figures are kept (cache.py) and served again while
    nothing they are built from has changed; with ``inputs`` (the evidence
    archive's) they are built from exactly those, every time.
    """
    if inputs is not None:
        return _with_fleet(_figures(inputs, _refreshed(inputs)), inputs["fleet"])
    digest, school = cache.content()
    inputs = report_inputs(term, start, end, as_of, school)
    state = _refreshed(inputs)
    period = term or "dates"  # one kept report per term, and one for the last explicit dates asked for
    key = cache.key_of(content=digest, rules=inputs["rules"], period=[period, inputs["from"], inputs["to"]],
                       as_of=inputs["as_of"], counted=[state.get("counted"), state["mark"]], pending=tally.pending(state))
    report = cache.kept(period, key)
    if report is None:
        report = _figures(inputs, state)
        cache.keep(period, key, report)
    return _with_fleet(report, inputs["fleet"])


def _timetable(inputs: dict[str, Any]) -> dict[str, Any]:
    return dict(inputs["timetable"], classes=inputs["classes"], calendar=inputs["calendar"])


def _refreshed(inputs: dict[str, Any]) -> dict[str, Any]:
    """The school's counts brought up to date; their state after."""
    zone = ZoneInfo(inputs["school"].get("timezone", "Asia/Shanghai"))
    return tally.refresh(inputs["rules"], zone, content=_timetable(inputs), content_key=content_key())["state"]


def _figures(inputs: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    """Everything but the fleet figures, from the stored counts and the records not stored yet."""
    first, last = date.fromisoformat(inputs["from"]), date.fromisoformat(inputs["to"])
    year_first, year_last, _ = school_year(inputs["calendar"], first)
    unit_ids = [m["id"] for group in members(_timetable(inputs)).values() for m in group]
    kinds = sorted({c["kind"] for spec in inputs["rules"]["points"].values() for c in spec["any"]})
    with tally.snapshot():  # the counts and the mark they were stored to, as one refresh left them
        counts = tally.counts_between(week_index(min(first, year_first)), week_index(max(last, year_last)), unit_ids,
                                      tally.stored_state())
        held = tally.kinds_held(kinds)
    recent = {clause[5:] for clause in counts.n if clause.startswith("kind:")}
    inputs.setdefault("kinds_held", sorted(set(held) | (recent & set(kinds))))  # the evidence archive carries them
    return build_report(counts, {k: v for k, v in inputs.items() if k != "fleet"}, title_of(inputs))


def _with_fleet(report: dict[str, Any], fleet: dict[str, Any]) -> dict[str, Any]:
    """The report with the fleet figures of now, as ``build_report`` places them (before the summary)."""
    report.pop("summary")
    report.update(fleet)
    report["summary"] = summary_rows(report)
    return report
