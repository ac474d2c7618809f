"""From records to participation: counts per (clause, unit, ISO week), then shares and levels per point and unit.

The counts are all the report needs: a clause "kind K, initiated by a person,
lasting ≥ T s, recording ≥ R statuses" is counted per unit (``class:…``,
``teacher:…``, ``subject:…``) and week. The hub keeps them in the database and
updates them from newly received records (``tally.py``); the evidence verifier
rebuilds the same counts from the archive's records with :meth:`Counts.add`,
and both must agree. Alongside, every record is counted by kind and initiator
(``kind:K`` / ``initiator:I``), and planned broadcasts by id (3.6.2), so what a
schedule or the system did on its own is shown, never counted as use.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from protocol.records import parse_time

from .compute_weeks import school_year, teaching_weeks, term_of, week_index, week_label, week_of, week_states
from .rules import clause_key
from .units import Resolver, members, slots

__all__ = ["Counts", "build_report", "teaching_weeks", "week_index", "week_label", "week_of", "wanted_clauses",
           "offset_s", "qualifies", "level"]

STATUSES = ("present", "late", "absent", "leave")
NOT_EVIDENCED = "不能提供证据"
NOT_YET = "未到"


def offset_s(zone: ZoneInfo) -> int:
    """The zone's fixed UTC offset (Chinese zones keep no daylight saving)."""
    offset = datetime(2026, 1, 1, tzinfo=zone).utcoffset()
    return int(offset.total_seconds()) if offset else 0


def wanted_clauses(rules: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every distinct clause of the rules, by its key."""
    return {clause_key(c): c for spec in rules["points"].values() for c in spec["any"]}


def qualifies(rec: dict[str, Any], clause: dict[str, Any]) -> bool:
    """One record meets a clause's per-record conditions (the SQL tally applies the same)."""
    if rec["kind"] != clause["kind"] or rec.get("initiator") not in clause.get("initiators", ()):
        return False
    if int(rec.get("duration_s") or 0) < clause.get("min_duration_s", 0):
        return False
    if clause.get("min_roster", 0):
        data = rec.get("data") or {}
        roster = sum(int(data.get(s) or 0) for s in STATUSES if isinstance(data.get(s, 0), (int, float)))
        return roster >= clause["min_roster"]
    return True


@dataclass
class Counts:
    """``n[clause][unit][week]``: qualifying records; plus ``kind:K``/``initiator:I`` and ``broadcast`` rows."""

    n: dict[str, dict[str, dict[str, int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(int))))
    _resolver: Resolver | None = None

    def put(self, clause: str, unit: str, week: str, count: int) -> None:
        self.n[clause][unit][week] += count

    def get(self, clause: str, unit: str, week: str) -> int:
        return self.n.get(clause, {}).get(unit, {}).get(week, 0)

    def add(self, records: Iterable[dict[str, Any]], rules: dict[str, Any], zone: ZoneInfo,
            inputs: dict[str, Any] | None = None) -> None:
        """Count wire-form records, exactly as the hub's SQL tally does (the verifier's path)."""
        if self._resolver is None:
            timetable = dict((inputs or {}).get("timetable", {}), calendar=(inputs or {}).get("calendar", {}),
                             classes=(inputs or {}).get("classes", []))
            self._resolver = Resolver(slots(timetable, rules["policy"]["lesson_lead_min"]))
        by_kind: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)  # a record meets only its kind's
        for key, clause in wanted_clauses(rules).items():
            by_kind[clause["kind"]].append((key, clause))
        shift = offset_s(zone)
        labels: dict[int, str] = {}  # ISO week label by week index: a few dozen distinct per term
        for rec in records:
            at = rec["at"] if isinstance(rec["at"], datetime) else parse_time(rec["at"])
            local = int(at.timestamp()) + shift
            index = (local - 4 * 86400) // 604800
            week = labels.get(index) or labels.setdefault(index, week_label(index))
            initiator = rec.get("initiator", "")
            self.n[f"kind:{rec['kind']}"][f"initiator:{initiator}"][week] += 1
            if rec["kind"] == "broadcast.played":
                self.n["broadcast"][f"{initiator}:{(rec.get('data') or {}).get('broadcast', '')}"][week] += 1
            if not rec.get("class_id"):
                continue
            for key, clause in by_kind.get(rec["kind"], ()):
                if qualifies(rec, clause):
                    for unit in self._resolver.units(rec, local):
                        self.n[key][unit][week] += 1


def level(share: float, units: int, floor: int) -> str:
    """Definition 7: 普及化 at 2/3; 规模化 at 1/4 and at least ``floor`` units (3 classes or 3 subjects)."""
    if units and share >= 2 / 3 - 1e-9:
        return "普及化"
    if share >= 1 / 4 - 1e-9 and units >= floor:
        return "规模化"
    return "未达标"


def _unit_weeks(counts: Counts, clauses: list[tuple[str, int]], unit: str, weeks: Iterable[str]) -> set[str]:
    """The weeks (of ``weeks``) in which ``unit`` met any clause: each clause's per-week counts are read once."""
    rows = [(counts.n.get(key, {}).get(unit), need) for key, need in clauses]
    rows = [(per_week, need) for per_week, need in rows if per_week]
    return {w for w in weeks if any(per_week.get(w, 0) >= need for per_week, need in rows)}


def _unit_figures(counts: Counts, spec: dict[str, Any], people: list[dict[str, str]], weeks: list[dict[str, Any]],
                  term_weeks: list[str], year_weeks: list[str], floor: int, evidenced: bool) -> dict[str, Any]:
    """One point for one kind of unit: the grid, each week's share and level, and the period's summary."""
    clauses = [(clause_key(c), max(1, c.get("min_per_week", 1))) for c in spec["any"]]
    total = len(people)
    labels = {w["week"] for w in weeks if w["state"] != "future"} | set(term_weeks) | set(year_weeks)
    grid, per_member = {}, []
    for member in people:
        took_part = _unit_weeks(counts, clauses, member["id"], labels)
        met = {w["week"]: w["state"] != "future" and w["week"] in took_part for w in weeks}
        grid[member["id"]] = [1 if met[w["week"]] else (-1 if w["state"] == "future" else 0) for w in weeks]
        required = [w for w in weeks if not w["short"] and (w["state"] == "past" or
                                                            (w["state"] == "current" and met[w["week"]]))]
        per_member.append({
            "id": member["id"], "name": member["name"], "weeks": sum(met.values()),
            "常态化": bool(required) and all(met[w["week"]] for w in required),
            "持续化_学期": any(w in took_part for w in term_weeks),
            "持续化_学年": any(w in took_part for w in year_weeks)})
    per_week = []
    for i, w in enumerate(weeks):
        taking_part = sum(1 for m in people if grid[m["id"]][i] == 1)
        share = taking_part / total if total else 0.0
        reached = level(share, taking_part, floor)
        if w["state"] == "future":
            reached = NOT_YET
        elif not evidenced:
            reached = NOT_EVIDENCED
        per_week.append({"week": w["week"], "state": w["state"], "short": w["short"], "units": taking_part,
                         "share": round(share, 4), "level": reached})
    required = [pw for pw in per_week if pw["state"] != "future" and not pw["short"]]

    def summary(key: str) -> dict[str, Any]:
        k = sum(1 for m in per_member if m[key])
        return {"units": k, "share": round(k / total, 4) if total else 0.0,
                "level": level(k / total if total else 0.0, k, floor) if evidenced else NOT_EVIDENCED}

    regular = summary("常态化")
    return {"total": total, "grid": grid, "weeks": per_week, "members": per_member, "evidenced_by_boards": evidenced,
            "level": regular["level"], "常态化": regular, "持续化_学期": summary("持续化_学期"),
            "持续化_学年": summary("持续化_学年"),
            "weeks_required": len(required), "weeks_future": sum(1 for pw in per_week if pw["state"] == "future"),
            "weeks_普及化": sum(1 for pw in required if pw["level"] == "普及化"),
            "weeks_规模化_or_better": sum(1 for pw in required if pw["level"] in ("普及化", "规模化"))}


def _labels_until(calendar: dict[str, Any], first: date, last: date, as_of: date) -> list[str]:
    return teaching_weeks(calendar, first, min(last, as_of)) if first <= as_of else []


def build_report(counts: Counts, inputs: dict[str, Any], title: str = "") -> dict[str, Any]:
    """The report's figures from the counts and the inputs (rules, classes, calendar, timetable, period, as-of day)."""
    rules, calendar = inputs["rules"], inputs["calendar"]
    start, end = date.fromisoformat(inputs["from"]), date.fromisoformat(inputs["to"])
    as_of = date.fromisoformat(inputs["as_of"])
    policy = rules["policy"]
    weeks = week_states(calendar, start, end, as_of, policy["min_school_days_per_week"])
    term_first, term_last = term_of(calendar, start, end)
    year_first, year_last, year_name = school_year(calendar, start)
    term_weeks = _labels_until(calendar, term_first, term_last, as_of)
    year_weeks = _labels_until(calendar, year_first, year_last, as_of)
    people = members(dict(inputs.get("timetable", {}), classes=inputs["classes"]))
    kinds_held = set(inputs.get("kinds_held", []))
    points = {}
    for point, spec in rules["points"].items():
        evidenced = bool({c["kind"] for c in spec["any"]} & kinds_held)
        units = {u: _unit_figures(counts, spec, people[u], weeks, term_weeks, year_weeks,
                                  policy["min_units_规模化"][u], evidenced) for u in spec["units"]}
        points[point] = {"title": spec["title"], "clause": spec["clause"], "context": spec["context"],
                         "applies": spec["applies"], "kinds": sorted({c["kind"] for c in spec["any"]}),
                         "evidenced_by_boards": evidenced, "units": units}
    period_weeks = {week_of(start + timedelta(days=d)) for d in range((end - start).days + 1)}
    by_initiator: dict[str, dict[str, int]] = {}
    records = 0
    for clause, rows in counts.n.items():
        if clause.startswith("kind:"):
            for who, per_week in rows.items():
                n = sum(v for wk, v in per_week.items() if wk in period_weeks)
                if n:
                    by_initiator.setdefault(who.removeprefix("initiator:"), {})[clause[5:]] = n
                    records += n
    broadcasts = broadcast_purposes(counts, period_weeks, inputs.get("timetable", {}).get("broadcasts", []))
    report = {"title": title, "from": inputs["from"], "to": inputs["to"], "as_of": inputs["as_of"],
              "school_year": {"from": year_first.isoformat(), "to": year_last.isoformat(), "name": year_name},
              "term": {"from": term_first.isoformat(), "to": term_last.isoformat()},
              "teaching_weeks": [w["week"] for w in weeks], "weeks": weeks,
              "classes": [{"id": c["id"], "name": c.get("name", c["id"])} for c in inputs["classes"]],
              "records": records, "records_by_initiator": by_initiator,
              "source": rules["source"], "policy": policy, "policy_sha256": rules["policy_sha256"],
              "points": points, "broadcasts_3_6_2": broadcasts}
    report.update(inputs.get("fleet", {}))
    report["summary"] = summary_rows(report)
    return report


PURPOSES = ("升旗", "课间操", "眼保健操", "集会", "听力", "节目")


def broadcast_purposes(counts: Counts, weeks: set[str], planned: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """3.6.2: broadcasts played in the period, by who started them and what for (from the broadcast's name)."""
    names = {b["id"]: b.get("name", b["id"]) for b in planned}
    out = []
    for key, per_week in sorted(counts.n.get("broadcast", {}).items()):
        n = sum(v for wk, v in per_week.items() if wk in weeks)
        if n:
            initiator, broadcast = key.split(":", 1)
            name = names.get(broadcast, broadcast)
            purpose = next((p for p in PURPOSES if p in name), "其他")
            out.append({"initiator": initiator, "broadcast": broadcast, "name": name, "purpose": purpose, "plays": n})
    return out


def summary_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The table a reviewer reads first: point × unit → level, and the weeks behind it."""
    rows = []
    for point, data in report["points"].items():
        for unit, u in data["units"].items():
            rows.append({"point": point, "title": data["title"], "unit": unit, "level": u["level"],
                         "常态化": f"{u['常态化']['units']}/{u['total']}",
                         "持续化_学期": f"{u['持续化_学期']['units']}/{u['total']}",
                         "持续化_学年": f"{u['持续化_学年']['units']}/{u['total']}",
                         "weeks_普及化": u["weeks_普及化"], "weeks_规模化_or_better": u["weeks_规模化_or_better"],
                         "weeks_required": u["weeks_required"], "weeks_future": u["weeks_future"]})
    if "coverage" in report:
        c = report["coverage"]
        rows.append({"point": "3.3.5", "title": "教学班级配备电子班牌（覆盖率）", "unit": "class", "level": c["level"],
                     "常态化": f"{c['classes_covered']}/{c['classes_total']}", "持续化_学期": "", "持续化_学年": "",
                     "weeks_普及化": "", "weeks_规模化_or_better": "", "weeks_required": "", "weeks_future": ""})
    if "domestic_share" in report:
        d = report["domestic_share"]
        rows.append({"point": "3.3.3", "title": "国产数字终端比例（班牌）", "unit": "board", "level": d["level"],
                     "常态化": f"{d['domestic']}/{d['reported']}", "持续化_学期": "", "持续化_学年": "",
                     "weeks_普及化": "", "weeks_规模化_or_better": "", "weeks_required": "", "weeks_future": ""})
    return rows
