"""The district page: schools × observation points from each school's own report, never mixing schools.

Both schools have classes C101–C104 (the same ids); only school A's boards
used them. A's report must count A's records and B's none.
"""
from datetime import date

import pytest

from tests.hub.test_tenants import sign_in
from tests.hub.usage import school_with_classes, term_of_use

A, B = "SCH-A", "SCH-B"
TODAY = date(2026, 11, 24)


@pytest.fixture
def district(hub_app):
    from hub.district.schools import add_school
    from hub.models import Board
    from hub.school import replace_school
    from hub.tenancy import acting_for

    for sid, name in ((A, "甲中学"), (B, "乙中学")):
        add_school(sid, name, "示范区")
        content = school_with_classes()
        content["school"].update(id=sid, name=name)
        with acting_for(sid):
            replace_school(content)
    boards = term_of_use()
    Board.update(school=A).where(Board.id.in_([b.id for b in boards.values()])).execute()
    return hub_app, boards


def test_each_school_row_comes_from_its_own_records(district):
    from hub.district.overview import district_rows

    _, boards = district
    rows = {r["school"]: r for r in district_rows(today=TODAY)}
    assert set(rows) == {"", A, B}  # the hub's fixture also seeded the implicit school
    a, b = rows[A], rows[B]
    assert rows[""]["records"] == 0 and rows[""]["boards"] == 0
    assert a["records"] == sum(len(x.records) for x in boards.values()) and b["records"] == 0
    assert a["levels"]["2.1.10"] not in ("不能提供证据", "") and b["levels"]["2.1.10"] == "不能提供证据"
    assert a["boards"] == 4 and b["boards"] == 0 and b["evidence"] == "无班牌 no boards"
    assert a["term"] and a["classes"] == 4


def test_only_district_accounts_see_the_page(district):
    app, _ = district
    school_admin = app.test_client()
    sign_in(school_admin, app, "admin-a", "admin", A)
    assert school_admin.get("/district").status_code == 403
    assert 'href="/district"' not in school_admin.get("/notices").get_data(as_text=True)  # nor a link to it
    reviewer = app.test_client()
    sign_in(reviewer, app, "reviewer", "district_reviewer")
    assert 'href="/district"' in reviewer.get("/notices").get_data(as_text=True)  # the menu leads there
    assert app.test_client().get("/district").status_code == 302  # to the sign-in page


def test_the_page_sorts_colours_links_and_exports(district):
    app, _ = district
    client = app.test_client()
    sign_in(client, app, "reviewer", "district_reviewer")
    page = client.get("/district?sort=2.1.10&desc=1").get_data(as_text=True)
    assert page.index("甲中学") < page.index("乙中学")
    ascending = client.get("/district?sort=2.1.10&desc=0").get_data(as_text=True)
    assert ascending.index("乙中学") < ascending.index("甲中学")
    assert 'class="l0">不能提供证据' in page  # B's cells are grey
    assert f'href="/console/report?school={A}"' in page
    report = client.get(f"/console/report?school={A}")
    assert report.status_code == 200 and "甲中学" in report.get_data(as_text=True)
    exported = client.get("/district?format=csv")
    text = exported.get_data(as_text=True)
    assert exported.mimetype == "text/csv" and text.startswith("\ufeff学校编号 school")
    lines = text.strip().splitlines()
    assert len(lines) == 4 and any(line.startswith(f"{B},乙中学") for line in lines)
    assert "2.1.10" in lines[0]


def test_the_page_prints_as_an_a4_landscape_pdf(district):
    app, _ = district
    client = app.test_client()
    sign_in(client, app, "reviewer", "district_reviewer")
    pdf = client.get("/district?format=pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert b"STSong-Light" in pdf.data and b"/MediaBox [ 0 0 841.8898 595.2756 ]" in pdf.data


def test_the_page_counts_each_schools_boards_silent_at_the_witness(district, tmp_path):
    """A real witness process whose registry took two of A's boards three days ago and heard nothing since."""
    from datetime import datetime, timedelta, timezone

    from hub.district.overview import district_rows
    from hub.models import Board
    from hub.witness.registry import Registry
    from tests.conftest import free_port
    from tests.hub.conftest import WitnessProcess

    app, boards = district
    ids = sorted(b.id for b in boards.values())
    keys = {b.id: b.public_key for b in Board.select().where(Board.id.in_(ids))}
    then = datetime.now(timezone.utc) - timedelta(days=3)
    registry = Registry(tmp_path / "w" / "witness.sqlite3", clock=lambda: then)
    for board_id in ids[:2]:
        registry.register(board_id, keys[board_id], A, "2026-09-01T00:00:00Z")
    registry.close()
    registry = Registry(tmp_path / "w" / "witness.sqlite3")  # a third registered just now: not silent
    registry.register(ids[2], keys[ids[2]], A, "2026-09-01T00:00:00Z")
    registry.close()

    assert district_rows(today=TODAY)[1]["silent"] is None  # no witness URL: nothing claimed either way
    witness = WitnessProcess(tmp_path / "w", free_port())
    try:
        app.config["HUB"].witness_url = witness.url
        with app.app_context():  # as the page asks: the witness URL is the hub's configuration
            rows = {r["school"]: r for r in district_rows(today=TODAY)}
        assert rows[A]["silent"] == 2 and rows[B]["silent"] == 0
        assert rows[A]["evidence"].endswith("；2 块沉默 silent > 48 h（区县自定 district policy）")
        assert rows[B]["evidence"] == "无班牌 no boards"
        client = app.test_client()
        sign_in(client, app, "reviewer", "district_reviewer")
        page = client.get("/district?refresh=1").get_data(as_text=True)
        assert "2 块沉默 silent &gt; 48 h（区县自定 district policy）" in page
        assert "此时限为区县自定口径，并非指标体系的要求" in page  # the threshold is never shown as the indicators'
        csv_lines = client.get("/district?format=csv").get_data(as_text=True).splitlines()
        assert ",沉默 silent," in csv_lines[0]
        column = csv_lines[0].split(",").index("沉默 silent")
        assert [line.split(",")[column] for line in csv_lines[1:] if line.startswith(f"{A},")] == ["2"]
        app.config["HUB"].silent_hours = 96.0  # a district that allows four days: three days is not silent
        with app.app_context():
            assert {r["school"]: r for r in district_rows(today=TODAY)}[A]["silent"] == 0
        assert "96 小时内未收到" in client.get("/district?refresh=1").get_data(as_text=True)
        app.config["HUB"].silent_hours = 48.0
    finally:
        witness.stop()
    with app.app_context():  # the witness is gone: the page says so instead of "none silent"
        assert district_rows(today=TODAY)[1]["evidence"].endswith("见证服务无应答 witness did not answer")
