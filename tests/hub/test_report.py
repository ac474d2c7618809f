"""The normal-use report: which classes took part per teaching week, the school's level, the term's summary."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from tests.hub.usage import END, SHANGHAI, START, school_with_classes, term_of_use
from tests.hub.conftest import hub_args

POINT = "2.1.10"


@pytest.fixture
def term_hub(hub_app):
    from hub.school import replace_school

    replace_school(school_with_classes())
    boards = term_of_use()
    return hub_app, boards


def figures(**period):
    from hub.report.service import make_report

    return make_report(start=period.get("start", START.isoformat()), end=period.get("end", END.isoformat()))


def test_weekly_participation_levels_and_term_summary(term_hub):
    report = figures()
    weeks = report["teaching_weeks"]
    assert weeks[0] == "2026-W37" and weeks[-1] == "2026-W47"
    assert "2026-W45" not in weeks and len(weeks) == 10  # the autumn break is a holiday-only week
    point = report["points"][POINT]
    by_week = {w["week"]: w for w in point["weeks"]}
    # weeks 37–40: C101, C102, C104 take part → 3/4 ≥ 2/3 → 普及化
    assert by_week["2026-W38"] == {"week": "2026-W38", "classes": 3, "share": 0.75, "level": "普及化"}
    # week 42: only C101 → 1/4 share but fewer than 3 classes → not 规模化
    assert by_week["2026-W42"]["classes"] == 1 and by_week["2026-W42"]["level"] == "未达标"
    # weeks 41, 43, 44, 46, 47: C101 and C102 → 2/4, only 2 classes → 未达标
    assert by_week["2026-W44"]["classes"] == 2 and by_week["2026-W44"]["level"] == "未达标"
    per_class = {c["class_id"]: c for c in point["classes"]}
    assert per_class["C101"]["weeks"] == 10 and per_class["C101"]["常态化"] and per_class["C101"]["持续化"]
    assert per_class["C102"]["weeks"] == 9 and not per_class["C102"]["常态化"] and per_class["C102"]["持续化"]
    assert per_class["C103"]["weeks"] == 0 and not per_class["C103"]["持续化"]  # taps and 30 s visits never count
    assert per_class["C104"]["weeks"] == 4 and per_class["C104"]["持续化"]
    assert point["term"]["常态化_classes"] == 1 and point["term"]["weeks_普及化"] == 4
    assert point["grid"]["C104"] == [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    # 2.2.2 counts check-ins only in numbers: C103's 5 taps a week stay below the 10 the rule asks
    assert {c["class_id"] for c in report["points"]["2.2.2"]["classes"] if c["持续化"]} == {"C101", "C102"}
    total = sum(len(b.records) for b in term_hub[1].values())
    assert report["records"] == total


def test_stored_tally_matches_a_recount_and_updates_incrementally(term_hub, monkeypatch):
    from hub.bundles import school_content
    from hub.report import tally
    from hub.report.compute import Counts, build_report
    from hub.report.rules import load_rules
    from hub.report.source import wire_records

    _, boards = term_hub
    rules, school = load_rules(), school_content()
    monkeypatch.setattr(tally, "LAG", timedelta(0))  # tally everything received so far
    assert tally.refresh(rules, SHANGHAI)["full"] is True
    stored = figures()
    recount = Counts()
    for board_id in boards:
        recount.add([r for r in wire_records(f"cb-{board_id.lower()}")], rules, SHANGHAI)
    assert build_report(recount, rules, school["classes"], school["calendar"], START, END,
                        stored["title"]) == stored
    # a new week of use arrives: the next refresh adds only it
    boards["C103"].use(date(2026, 11, 23), "attendance.session", 200)
    boards["C103"].upload()
    assert tally.refresh(rules, SHANGHAI) == {"full": False, "groups": 2}  # its class's row and the total
    grown = figures(end="2026-11-29")
    assert {c["class_id"]: c["weeks"] for c in grown["points"][POINT]["classes"]}["C103"] == 1


def test_records_not_yet_tallied_still_count(term_hub):
    """Records newer than the last refresh's cutoff are counted on the fly, never skipped."""
    _, boards = term_hub
    before = figures()
    boards["C104"].use(date(2026, 11, 17), "attendance.session", 200)
    boards["C104"].upload()
    after = figures()
    assert after["records"] == before["records"] + 1
    assert after["points"][POINT]["grid"]["C104"][-1] == 1


def test_rules_are_configurable_and_bad_rules_are_named(term_hub):
    from hub.report.rules import RulesError, load_rules

    strict = load_rules({"points": {POINT: {"title": "课堂教学", "any": [{"kind": "attendance.session",
                                                                       "min_duration_s": 250}]}}})
    from hub.bundles import school_content
    from hub.school import replace_school
    school = school_content()
    school["settings"]["report_rules"] = {"points": {POINT: strict["points"][POINT]}}
    replace_school(school)
    report = figures()
    per_class = {c["class_id"]: c["weeks"] for c in report["points"][POINT]["classes"]}
    assert per_class == {"C101": 10, "C102": 0, "C103": 0, "C104": 0}  # C102's sessions last 240 s
    with pytest.raises(RulesError, match=r"points.2.1.10.any\[0\].min_duration_s"):
        load_rules({"points": {POINT: {"any": [{"kind": "attendance.session", "min_duration_s": -1}]}}})


def test_cli_renders_html_csv_json_and_a_chinese_pdf(term_hub, tmp_path):
    from hub.cli import hub

    hub_app, _ = term_hub
    runner = CliRunner()
    args = ["report", *hub_args(hub_app), "--from", START.isoformat(), "--to", END.isoformat()]
    page = runner.invoke(hub, args)
    assert page.exit_code == 0, page.output
    assert page.output.count("<svg") == 2 * 7 and "2/3 普及化" in page.output and "高一(1)班" in page.output
    rows = list(csv.reader(io.StringIO(runner.invoke(hub, args + ["--format", "csv"]).output.lstrip("\ufeff"))))
    assert rows[0][:3] == ["point", "title", "week"]
    assert [POINT, "课堂教学 普及化、常态化", "2026-W38", "3", "4", "0.7500", "普及化"] in rows
    parsed = json.loads(runner.invoke(hub, args + ["--format", "json"]).output)
    assert parsed["points"][POINT]["term"]["常态化_classes"] == 1
    pdf = tmp_path / "report.pdf"
    result = runner.invoke(hub, args + ["--format", "pdf", "--out", str(pdf)])
    assert result.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF")
    assert b"STSong-Light" in pdf.read_bytes() and b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf.read_bytes()
    bad = runner.invoke(hub, ["report", *hub_args(hub_app), "--term", "NOPE"])
    assert bad.exit_code != 0 and "no term 'NOPE'" in bad.output
    backwards = runner.invoke(hub, ["report", *hub_args(hub_app), "--from", "2026-11-01", "--to", "2026-10-01"])
    assert backwards.exit_code != 0 and "before" in backwards.output


def test_console_report_needs_a_login_and_offers_every_format(term_hub):
    from tests.hub.test_console import login

    hub_app, _ = term_hub
    client = hub_app.test_client()
    assert client.get("/console/report").status_code == 302
    login(client, hub_app, role="viewer")
    page = client.get(f"/console/report?from={START}&to={END}")
    assert page.status_code == 200 and "各班每周参与情况" in page.get_data(as_text=True)
    pdf = client.get(f"/console/report?from={START}&to={END}&format=pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert client.get("/console/report?format=xml").status_code == 400
