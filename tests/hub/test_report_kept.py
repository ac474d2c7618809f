"""A kept report (hub/report/cache.py) is served again only while nothing it was built from has changed."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.hub.usage import END, START, school_with_classes, term_of_use

POINT = "2.1.10"
AS_OF = date(2026, 11, 24)


@pytest.fixture
def term_hub(hub_app, monkeypatch):
    """The four classes' term of use, and a count of how often the figures are built (not served kept)."""
    from hub.report import service
    from hub.school import replace_school

    replace_school(school_with_classes())
    boards = term_of_use()
    built = []
    real = service.build_report
    monkeypatch.setattr(service, "build_report", lambda *a, **k: built.append(1) or real(*a, **k))
    return boards, built


def figures(**period):
    from hub.report.service import make_report

    return make_report(start=period.get("start", START.isoformat()), end=period.get("end", END.isoformat()),
                       as_of=period.get("as_of", AS_OF))


def weeks_of(report, class_id: str) -> int:
    return {c["id"]: c["weeks"] for c in report["points"][POINT]["units"]["class"]["members"]}[f"class:{class_id}"]


def test_a_kept_report_equals_one_built_afresh_and_is_served_without_building(term_hub):
    from hub.report.service import make_report, report_inputs

    _, built = term_hub
    first = figures()
    assert len(built) == 1
    again = figures()
    assert len(built) == 1  # served kept: nothing it depends on changed
    assert again == first
    # the evidence archive's path builds from its inputs every time: the same figures
    fresh = make_report(inputs=report_inputs(start=START.isoformat(), end=END.isoformat(), as_of=AS_OF))
    assert len(built) == 2 and fresh == again
    # another as-of day or period is another report
    assert figures(as_of=date(2026, 11, 10))["as_of"] == "2026-11-10" and len(built) == 3
    assert figures(end="2026-11-15")["to"] == "2026-11-15" and len(built) == 4


def test_a_kept_report_changes_when_a_record_arrives(term_hub, monkeypatch):
    from hub.report import tally

    boards, built = term_hub
    before = figures()
    assert weeks_of(before, "C104") == 4 and len(built) == 1
    # a record just received (within the tally's LAG: counted on the fly, not stored yet)
    boards["C104"].use(date(2026, 11, 17), "attendance.session", 200)
    boards["C104"].upload()
    recent = figures()
    assert len(built) == 2
    assert recent["records"] == before["records"] + 1 and weeks_of(recent, "C104") == 5
    assert figures() == recent and len(built) == 2
    # once past the LAG the refresh stores it: the same figures, from the stored counts
    monkeypatch.setattr(tally, "LAG", timedelta(0))
    stored = figures()
    assert tally.stored_state()["mark"] > tally.datetime(2026, 1, 1).isoformat()
    assert stored == recent
    # a record arriving after that is stored at once (LAG 0) and changes the report again
    boards["C103"].use(date(2026, 11, 10), "attendance.session", 200)
    boards["C103"].upload()
    later = figures()
    assert later["records"] == recent["records"] + 1 and weeks_of(later, "C103") == 1
    assert later != recent


def test_a_kept_report_changes_when_the_rules_or_the_timetable_change(term_hub):
    from hub.bundles import school_content
    from hub.school import replace_school

    _, built = term_hub
    before = figures()
    assert weeks_of(before, "C102") == 9
    school = school_content()
    school["settings"]["report_rules"] = {"points": {POINT: {"title": "课堂教学", "any": [
        {"kind": "attendance.session", "min_duration_s": 250}]}}}
    replace_school(school)
    strict = figures()
    assert weeks_of(strict, "C102") == 0 and strict["policy_sha256"] != before["policy_sha256"]
    # the timetable: a subject renamed in every lesson is a new subject unit
    school = school_content()
    old = school["lessons"][0]["subject"]
    for lesson in school["lessons"]:
        if lesson["subject"] == old:
            lesson["subject"] = "新" + old
    replace_school(school)
    renamed = figures()
    subjects = {m["id"] for m in renamed["points"][POINT]["units"]["subject"]["members"]}
    assert f"subject:新{old}" in subjects and f"subject:{old}" not in subjects
    assert len(built) == 3


def test_each_school_keeps_its_own_report(term_hub):
    from hub.district.schools import add_school
    from hub.tenancy import acting_for

    _, built = term_hub
    implicit = figures()
    add_school("SCH-B", "第二中学", "示范区")
    with acting_for("SCH-B"):
        other = figures()
    assert len(built) == 2 and other["records"] == 0 and implicit["records"] > 0
    assert figures() == implicit and len(built) == 2
