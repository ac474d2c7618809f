"""A district's OneRoster 1.2 set → every school in it, checked whole and stored in one transaction.

A district export (区县导出) has one org of type ``district`` and its schools
(``parentSourcedId`` naming the district) in one orgs.csv, with every school's
classes, users and enrollments in the same files. Each school's rows are cut
out (classes and enrollments by ``schoolSourcedId``, roles by
``orgSourcedId``, users by what they are enrolled in) and read by the school
importer (hub/importers/oneroster.py) against that school's stored content.
One problem anywhere refuses the whole set: no school is half updated.

CEDS grade levels (``01``…``12``) become the names Chinese schools use
(一年级…高三); a district with other names passes its own mapping.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..importers.apply import ImportResult, map_ids, plan, validate
from ..importers.csvfile import Table, load_files, read_table
from ..importers.errors import ImportRejected, Problems
from ..importers.oneroster import COLUMNS, _Reader, read_tables
from ..models import School, database
from ..tenancy import acting_for

CEDS_GRADES = {"01": "一年级", "02": "二年级", "03": "三年级", "04": "四年级", "05": "五年级", "06": "六年级",
               "07": "初一", "08": "初二", "09": "初三", "10": "高一", "11": "高二", "12": "高三"}


@dataclass
class SchoolPlan:
    """What the import would do to one school: its tenant id, whether it is new, and the section counts."""

    school: str
    name: str
    new: bool
    result: ImportResult
    counts: dict[str, dict[str, int]]


@dataclass
class DistrictPlan:
    district: str
    schools: list[SchoolPlan]


def _active(table: Table, kind: str) -> list:
    return [r for r in table if r.get("type").lower() == kind and r.get("status").lower() != "tobedeleted"]


def is_district_set(path: Path | str) -> bool:
    """Does the set hold more than one school (or does this hub already keep schools as tenants)?"""
    problems = Problems()
    files = load_files(Path(path), ["orgs.csv"], problems)
    if "orgs.csv" not in files:
        return False
    table = read_table(files["orgs.csv"], "orgs.csv", problems, required=COLUMNS["orgs.csv"])
    return table is not None and (len(_active(table, "school")) > 1 or School.select().exists())


def _subset(tables: dict[str, Table], school: str) -> dict[str, Table]:
    """The files as the school importer expects them for one school: its own org, classes, people and enrollments."""
    def cut(name: str, keep) -> Table:
        t = tables[name]
        return Table(t.file, t.header, [r for r in t if keep(r)])

    out = dict(tables)
    out["orgs.csv"] = cut("orgs.csv", lambda r: r.get("sourcedId") == school)
    out["classes.csv"] = cut("classes.csv", lambda r: r.get("schoolSourcedId") == school)
    out["enrollments.csv"] = cut("enrollments.csv", lambda r: r.get("schoolSourcedId") == school)
    people = {r.get("userSourcedId") for r in out["enrollments.csv"]}
    if "roles.csv" in tables:
        out["roles.csv"] = cut("roles.csv", lambda r: r.get("orgSourcedId") == school)
        people |= {r.get("userSourcedId") for r in out["roles.csv"]}
    out["users.csv"] = cut("users.csv", lambda r: r.get("sourcedId") in people)
    return out


def _fresh(tenant: str, name: str) -> dict[str, Any]:
    from ..bundles import EMPTY_SCHOOL

    content = json.loads(json.dumps(EMPTY_SCHOOL))
    content["school"].update(id=tenant, name=name)
    return content


def read_district(path: Path | str, grade_names: dict[str, str] | None = None) -> DistrictPlan:
    """Read the whole set and plan every school; ImportRejected with every problem of every school."""
    from .schools import content_of

    path, problems = Path(path), Problems()
    grades = CEDS_GRADES if grade_names is None else grade_names
    tables = read_tables(path, problems)
    orgs = tables["orgs.csv"]
    districts, schools = _active(orgs, "district"), _active(orgs, "school")
    if len(districts) != 1:
        problems.add("orgs.csv", 0, 0, f"a district set has exactly one org of type 'district' (found {len(districts)})")
    district = districts[0] if districts else None
    for rec in schools:
        if district is not None and rec.get("parentSourcedId") not in ("", district.get("sourcedId")):
            problems.add("orgs.csv", rec.line, orgs.column("parentSourcedId"),
                         f"school {rec.get('sourcedId')!r} belongs to {rec.get('parentSourcedId')!r}, "
                         f"not to the district {district.get('sourcedId')!r}")
    if not schools:
        problems.add("orgs.csv", 0, 0, "no org of type 'school'")
    tenants = map_ids([r.get("sourcedId") for r in schools])
    plans = []
    for rec in schools:
        tenant, name = tenants[rec.get("sourcedId")], rec.get("name")[:200] or rec.get("sourcedId")
        stored = content_of(tenant)
        current = stored or _fresh(tenant, name)
        before = len(problems)
        proposed, notes = _Reader(_subset(tables, rec.get("sourcedId")), current, problems).read()
        for c in proposed["classes"]:
            if c.get("grade") in grades:
                c["grade"] = grades[c["grade"]]
        if len(problems) == before:
            try:
                validate(proposed, f"orgs.csv ({name})")
            except ImportRejected as exc:  # keep collecting the other schools' problems
                problems.extend(exc.problems)
        plans.append(SchoolPlan(tenant, name, stored is None, ImportResult(path.name, proposed, notes),
                                plan(current, proposed)))
    problems[:] = list(dict.fromkeys(problems))  # a person enrolled in two schools is reported once
    problems.raise_if_any()
    return DistrictPlan(district.get("name") if district else "", plans)


def apply_district(district: DistrictPlan) -> None:
    """Create or update every school in one transaction: a refusal anywhere changes nothing anywhere."""
    from ..school import replace_school
    from .schools import add_school

    with database.atomic():
        for p in district.schools:
            add_school(p.school, p.name, district.district)
            with acting_for(p.school):
                replace_school(p.result.proposed)


def format_district(district: DistrictPlan) -> str:
    """Per school: new or changed, and the section counts (the same table as a school's dry run)."""
    from ..importers.apply import format_plan

    lines = [f"区县 district: {district.district} ({len(district.schools)} schools)"]
    for p in district.schools:
        lines += ["", f"== {p.school} {p.name}: {'新建 new school' if p.new else '更新 update'}",
                  format_plan(p.counts, p.result.notes)]
    return "\n".join(lines)
