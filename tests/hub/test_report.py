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
from hub.report.rules import load_rules

POINT = "2.1.10"


@pytest.fixture
def term_hub(hub_app):
    from hub.school import replace_school

    replace_school(school_with_classes())
    boards = term_of_use()
    return hub_app, boards


AS_OF = date(2026, 11, 24)  # the Tuesday after the period: every week of it is over


def figures(**period):
    from hub.report.service import make_report

    return make_report(start=period.get("start", START.isoformat()), end=period.get("end", END.isoformat()),
                       as_of=period.get("as_of", AS_OF))


def test_weekly_participation_levels_and_term_summary(term_hub):
    report = figures()
    weeks = report["teaching_weeks"]
    assert weeks[0] == "2026-W37" and weeks[-1] == "2026-W47"
    assert "2026-W45" not in weeks and len(weeks) == 10  # the autumn break is a holiday-only week
    point = report["points"][POINT]["units"]["class"]
    by_week = {w["week"]: w for w in point["weeks"]}
    # weeks 37–40: C101, C102, C104 take part → 3/4 ≥ 2/3 → 普及化
    assert by_week["2026-W38"] == {"week": "2026-W38", "state": "past", "short": False, "units": 3, "share": 0.75,
                                   "level": "普及化"}
    # week 42: only C101 → 1/4 share but fewer than 3 classes → not 规模化
    assert by_week["2026-W42"]["units"] == 1 and by_week["2026-W42"]["level"] == "未达标"
    # weeks 41, 43, 44, 46, 47: C101 and C102 → 2/4, only 2 classes → 未达标
    assert by_week["2026-W44"]["units"] == 2 and by_week["2026-W44"]["level"] == "未达标"
    per_class = {c["id"]: c for c in point["members"]}
    assert per_class["class:C101"]["weeks"] == 10 and per_class["class:C101"]["常态化"]
    assert per_class["class:C102"]["weeks"] == 9 and not per_class["class:C102"]["常态化"]
    assert per_class["class:C102"]["持续化_学期"]
    assert per_class["class:C103"]["weeks"] == 0 and not per_class["class:C103"]["持续化_学期"]  # taps, 30 s visits
    assert per_class["class:C104"]["weeks"] == 4 and per_class["class:C104"]["持续化_学期"]
    assert point["常态化"]["units"] == 1 and point["weeks_普及化"] == 4
    assert point["grid"]["class:C104"] == [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    # 2.2.2 counts check-ins only in numbers: C103's 5 taps a week stay below the 10 the policy asks
    assert {c["id"] for c in report["points"]["2.2.2"]["units"]["class"]["members"] if c["持续化_学期"]} == {
        "class:C101", "class:C102"}
    total = sum(len(b.records) for b in term_hub[1].values())
    assert report["records"] == total


def test_stored_tally_matches_a_recount_and_updates_incrementally(term_hub, monkeypatch):
    """The SQL tally (per class, teacher and subject) and the verifier's plain-Python recount agree exactly."""
    from hub.report import tally
    from hub.report.compute import Counts, build_report
    from hub.report.service import content_key, make_report, report_inputs
    from hub.report.source import wire_records

    _, boards = term_hub
    monkeypatch.setattr(tally, "LAG", timedelta(0))  # tally everything received so far
    inputs = report_inputs(start=START.isoformat(), end=END.isoformat(), as_of=AS_OF)
    stored = make_report(inputs=inputs)
    assert stored["points"][POINT]["units"]["subject"]["常态化"]["units"] >= 1  # lessons were found for records
    recount = Counts()
    for board_id in boards:
        recount.add([r for r in wire_records(f"cb-{board_id.lower()}")], inputs["rules"], SHANGHAI, inputs)
    assert build_report(recount, inputs, stored["title"]) == stored
    # a new week of use arrives: the next refresh adds only it
    boards["C103"].use(date(2026, 11, 23), "attendance.session", 200)
    boards["C103"].upload()
    content = dict(inputs["timetable"], classes=inputs["classes"], calendar=inputs["calendar"])
    step = tally.refresh(inputs["rules"], SHANGHAI, content=content, content_key=content_key())
    assert step["full"] is False and step["groups"] >= 3  # its class, teacher and subject rows, and the totals
    grown = figures(end="2026-11-29", as_of=date(2026, 12, 1))
    assert {c["id"]: c["weeks"] for c in grown["points"][POINT]["units"]["class"]["members"]}["class:C103"] == 1


def test_records_not_yet_tallied_still_count(term_hub):
    """Records newer than the last refresh's cutoff are counted on the fly, never skipped."""
    _, boards = term_hub
    before = figures()
    boards["C104"].use(date(2026, 11, 17), "attendance.session", 200)
    boards["C104"].upload()
    after = figures()
    assert after["records"] == before["records"] + 1
    assert after["points"][POINT]["units"]["class"]["grid"]["class:C104"][-1] == 1


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
    per_class = {c["id"]: c["weeks"] for c in report["points"][POINT]["units"]["class"]["members"]}
    assert per_class == {"class:C101": 10, "class:C102": 0, "class:C103": 0, "class:C104": 0}  # C102's: 240 s
    assert report["policy_sha256"] != load_rules()["policy_sha256"]  # the school's own clauses change the hash
    with pytest.raises(RulesError, match=r"points.2.1.10.any\[0\].min_duration_s"):
        load_rules({"points": {POINT: {"any": [{"kind": "attendance.session", "min_duration_s": -1}]}}})
    with pytest.raises(RulesError, match=r"initiators: only people count"):
        load_rules({"points": {POINT: {"any": [{"kind": "broadcast.played", "initiators": ["schedule"]}]}}})
    with pytest.raises(RulesError, match=r"policy.min_units_规模化"):
        load_rules({"policy": {"min_units_规模化": {"class": 2}}})  # below the text's floor of 3
    with pytest.raises(RulesError, match=r"policy.min_roster: must be a whole number"):
        load_rules({"policy": {"min_roster": "five"}})


def test_cli_renders_html_csv_json_and_a_chinese_pdf(term_hub, tmp_path):
    from hub.cli import hub

    hub_app, _ = term_hub
    runner = CliRunner()
    args = ["report", *hub_args(hub_app), "--from", START.isoformat(), "--to", END.isoformat(),
            "--as-of", AS_OF.isoformat()]
    page = runner.invoke(hub, args)
    assert page.exit_code == 0, page.output
    assert "2/3 普及化" in page.output and "高一(1)班" in page.output
    assert page.output.index("汇总 Summary") < page.output.index("<svg")  # the answer first, charts after
    assert "2.1.10 学校师生普及化、常态化应用。" in page.output and "学校自定口径" in page.output
    rows = list(csv.reader(io.StringIO(runner.invoke(hub, args + ["--format", "csv"]).output.lstrip("\ufeff"))))
    assert rows[1][:4] == ["观测点 point", "内容 title", "统计单位 unit", "等级 level"]
    assert [POINT, "课堂教学 普及化、常态化", "班级", "未达标", "1/4", "3/4", "3/4", "4", "4", "10", "0"] in rows
    assert [POINT, "class", "2026-W38", "past", "0", "3", "4", "0.7500", "普及化"] in rows
    assert any(r[:1] == ["# policy 学校自定口径"] and r[3] == load_rules()["policy_sha256"] for r in rows)
    parsed = json.loads(runner.invoke(hub, args + ["--format", "json"]).output)
    assert parsed["points"][POINT]["units"]["class"]["常态化"]["units"] == 1
    assert parsed["points"]["2.3.2"]["units"]["class"]["level"] == "不能提供证据"
    assert parsed["points"]["2.3.2"]["evidenced_by_boards"] is False
    assert {"coverage", "domestic_share", "policy_sha256", "retention_days"} <= set(parsed)
    assert parsed["retention_days"] == 400
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
    assert "policy_sha256" in page.get_data(as_text=True)
    pdf = client.get(f"/console/report?from={START}&to={END}&format=pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert client.get("/console/report?format=xml").status_code == 400


def test_rules_command_prints_clauses_units_counts_and_policy(term_hub):
    from hub.cli import hub

    hub_app, _ = term_hub
    runner = CliRunner()
    doc = json.loads(runner.invoke(hub, ["rules", *hub_args(hub_app), "--format", "json"]).output)
    point = next(p for p in doc["points"] if p["id"] == POINT)
    assert point["clause"] == "2.1.10 学校师生普及化、常态化应用。" and point["units"] == ["class", "teacher", "subject"]
    assert point["applies"] == ["7.规模化", "7.普及化", "8.常态化", "8.持续化"] and point["policy"] == "学校自定口径"
    roll_call = next(c for c in point["counts"] if c["kind"] == "attendance.session")
    assert roll_call["initiators"] == ["teacher", "student", "staff", "guardian"] and roll_call["min_roster"] == 5
    assert all("schedule" not in c["initiators"] for p in doc["points"] for c in p["counts"])
    assert doc["policy_sha256"] == load_rules()["policy_sha256"] and "8.常态化" in doc["definitions"]
    text = runner.invoke(hub, ["rules", *hub_args(hub_app)]).output
    assert "学校自定口径" in text and "原文: 2.3.2 学生评价实现普及化、常态化应用，有活跃数据。" in text
