"""From records to participation: counts per (kind, duration threshold, class, ISO week), then levels.

The counts are all the report needs, whichever rules are in force: a rule
clause "kind K lasting at least T seconds, at least N per week" reads the count
for (K, T). The hub keeps these counts in the database and updates them from
newly received records (``tally.py``); the evidence verifier rebuilds the same
counts from the archive's records with :meth:`Counts.add`, and both must agree.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable
from zoneinfo import ZoneInfo

EPOCH_MONDAY = date(1970, 1, 5)
ALL = "*"  # the kind and class under which every record is counted, for the report's record total


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_index(day: date) -> int:
    """Weeks since Monday 1970-01-05: what SQL can compute from a timestamp, cheaply, on any database."""
    return (day - EPOCH_MONDAY).days // 7


def week_label(index: int) -> str:
    return week_of(EPOCH_MONDAY + timedelta(weeks=index))


def thresholds(rules: dict[str, Any]) -> dict[str, list[int]]:
    """For each record kind the rules mention, the duration thresholds they use."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for spec in rules["points"].values():
        for clause in spec["any"]:
            wanted[clause["kind"]].add(int(clause.get("min_duration_s", 0)))
    return {kind: sorted(values) for kind, values in sorted(wanted.items())}


def teaching_weeks(calendar: dict[str, Any], start: date, end: date) -> list[str]:
    """ISO weeks in [start, end] with at least one school day (holiday-only weeks are excluded)."""
    holidays = [(date.fromisoformat(h["start"]), date.fromisoformat(h["end"])) for h in calendar.get("holidays", [])]
    workdays = {date.fromisoformat(w["date"]) for w in calendar.get("workdays", [])}
    weeks: list[str] = []
    day = start
    while day <= end:
        school_day = day in workdays or (day.isoweekday() <= 5 and not any(a <= day <= b for a, b in holidays))
        if school_day and week_of(day) not in weeks:
            weeks.append(week_of(day))
        day += timedelta(days=1)
    return weeks


@dataclass
class Counts:
    """``n[(kind, threshold)][class_id][week]``: records of that kind lasting at least ``threshold`` seconds."""

    n: dict[tuple[str, int], dict[str, dict[str, int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(int))))

    def put(self, kind: str, threshold: int, class_id: str, week: str, count: int) -> None:
        self.n[(kind, threshold)][class_id][week] += count

    def get(self, kind: str, threshold: int, class_id: str, week: str) -> int:
        return self.n.get((kind, threshold), {}).get(class_id, {}).get(week, 0)

    def add(self, records: Iterable[dict[str, Any]], rules: dict[str, Any], zone: ZoneInfo) -> None:
        """Count wire-form records, exactly as the hub's SQL tally does (the verifier's path)."""
        wanted = thresholds(rules)
        for rec in records:
            at = rec["at"] if isinstance(rec["at"], datetime) else datetime.strptime(
                rec["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
            week = week_of(at.astimezone(zone).date())
            self.n[(ALL, 0)][ALL][week] += 1
            class_id = rec.get("class_id")
            if not class_id:
                continue
            for threshold in wanted.get(rec["kind"], ()):
                if rec.get("duration_s", 0) >= threshold:
                    self.n[(rec["kind"], threshold)][class_id][week] += 1


def participation(counts: Counts, rules: dict[str, Any], point: str, class_id: str, week: str) -> bool:
    for clause in rules["points"][point]["any"]:
        n = counts.get(clause["kind"], int(clause.get("min_duration_s", 0)), class_id, week)
        if n >= max(1, clause.get("min_per_week", 1)):
            return True
    return False


def level(share: float, classes: int, rules: dict[str, Any]) -> str:
    levels = rules["levels"]
    if share >= levels["普及化"]["share"] - 1e-9:
        return "普及化"
    if share >= levels["规模化"]["share"] - 1e-9 and classes >= levels["规模化"]["min_classes"]:
        return "规模化"
    return "未达标"


def build_report(counts: Counts, rules: dict[str, Any], classes: list[dict[str, Any]], calendar: dict[str, Any],
                 start: date, end: date, title: str = "") -> dict[str, Any]:
    """The report's figures: per point, per teaching week and per class, and the term summary."""
    weeks = teaching_weeks(calendar, start, end)
    all_weeks = {week_of(start + timedelta(days=d)) for d in range((end - start).days + 1)}
    class_ids = [c["id"] for c in classes]
    names = {c["id"]: c.get("name", c["id"]) for c in classes}
    points = {}
    for point, spec in rules["points"].items():
        grid = {cid: [participation(counts, rules, point, cid, w) for w in weeks] for cid in class_ids}
        per_week = []
        for i, week in enumerate(weeks):
            taking_part = sum(1 for cid in class_ids if grid[cid][i])
            share = taking_part / len(class_ids) if class_ids else 0.0
            per_week.append({"week": week, "classes": taking_part, "share": round(share, 4),
                             "level": level(share, taking_part, rules)})
        per_class = [{"class_id": cid, "name": names[cid], "weeks": sum(grid[cid]),
                      "常态化": bool(weeks) and all(grid[cid]), "持续化": any(grid[cid])} for cid in class_ids]
        regular = sum(1 for c in per_class if c["常态化"])
        points[point] = {
            "title": spec["title"], "grid": {cid: [int(v) for v in row] for cid, row in grid.items()},
            "weeks": per_week, "classes": per_class,
            "term": {"常态化_classes": regular, "持续化_classes": sum(1 for c in per_class if c["持续化"]),
                     "weeks_普及化": sum(1 for w in per_week if w["level"] == "普及化"),
                     "weeks_规模化_or_better": sum(1 for w in per_week if w["level"] != "未达标"),
                     "level": level(regular / len(class_ids) if class_ids else 0, regular, rules)}}
    records = sum(n for week, n in counts.n.get((ALL, 0), {}).get(ALL, {}).items() if week in all_weeks)
    return {"title": title, "from": start.isoformat(), "to": end.isoformat(), "teaching_weeks": weeks,
            "classes": [{"id": cid, "name": names[cid]} for cid in class_ids], "records": records,
            "points": points}
