"""Schools as tenants on one hub: a school's people and boards never reach another school's.

Both schools use the same class and room ids (the sample school's), the
hardest case: only the school dimension keeps them apart.
"""
import copy
import json

import pytest

from tests.hub.conftest import FakeBoard
from tests.hub.test_console import csrf_of

A, B = "SCH-A", "SCH-B"


@pytest.fixture
def two_schools(hub_app, school):
    """Schools A and B beside the implicit one, each with content, a token and an enrolled board in R101."""
    from hub.district.schools import add_school
    from hub.enrollment import create_token
    from hub.school import replace_school
    from hub.tenancy import acting_for

    client = hub_app.test_client()
    boards = {}
    for sid, name in ((A, "第一中学"), (B, "第二中学")):
        add_school(sid, name, district="示范区")
        content = copy.deepcopy(school)
        content["school"].update(id=sid, name=name)
        with acting_for(sid):
            replace_school(content)
            token = create_token()
        board = FakeBoard(client, f"cb-{sid.lower()}")
        answer = board.enroll(enrollment_token=token, room="R101").get_json()
        assert answer["status"] == "enrolled" and answer["school_id"] == sid, answer
        boards[sid] = board
    return boards


def sign_in(client, hub_app, name, role, school=""):
    from hub.console import create_user
    with hub_app.app_context():
        create_user(name, "long-password", role, school)
    token = csrf_of(client.get("/login").data)
    assert client.post("/login", data={"username": name, "password": "long-password", "csrf": token}).status_code == 302
    return csrf_of(client.get("/notices").data)


def test_boards_carry_their_school_and_get_only_its_bundle(two_schools):
    from hub.models import Board

    a, b = two_schools[A], two_schools[B]
    assert Board.get_by_id(a.id).school == A and Board.get_by_id(b.id).school == B
    bundle_a = a.call("GET", f"/api/v1/boards/{a.id}/bundle").get_json()["content"]
    bundle_b = b.call("GET", f"/api/v1/boards/{b.id}/bundle").get_json()["content"]
    assert bundle_a["school"]["id"] == A and bundle_b["school"]["id"] == B
    assert bundle_a["school"]["name"] == "第一中学"


def test_a_school_admin_sees_and_changes_only_their_school(hub_app, two_schools):
    from hub.models import Board, Notice

    client = hub_app.test_client()
    csrf = sign_in(client, hub_app, "admin-a", "admin", A)
    home = client.get("/").data
    assert two_schools[A].id.encode() in home and two_schools[B].id.encode() not in home
    assert client.get(f"/?school={B}").status_code == 403
    assert client.get(f"/console/report?school={B}").status_code == 403
    # B's board is as unknown as a board that does not exist: no revoke, no command
    assert client.post(f"/boards/{two_schools[B].id}/revoke", data={"csrf": csrf}).status_code == 404
    assert client.post(f"/boards/{two_schools[B].id}/command",
                       data={"csrf": csrf, "command": "reboot"}).status_code == 404
    assert Board.get_by_id(two_schools[B].id).state == "enrolled"
    # a notice of A reaches A's board, never B's
    client.post("/notices", data={"title": "A校运动会", "scope": "school", "csrf": csrf})
    assert Notice.get(Notice.title == "A校运动会").school == A
    titles = {sid: [n["title"] for n in board.call("GET", f"/api/v1/boards/{board.id}/bundle").get_json()
                    ["content"]["notices"]] for sid, board in two_schools.items()}
    assert "A校运动会" in titles[A] and "A校运动会" not in titles[B]
    # and B's admin cannot end it
    other = hub_app.test_client()
    csrf_b = sign_in(other, hub_app, "admin-b", "admin", B)
    notice_id = Notice.get(Notice.title == "A校运动会").id
    assert other.post(f"/notices/{notice_id}/end", data={"csrf": csrf_b}).status_code == 404
    assert "A校运动会".encode() not in other.get("/notices").data
    assert Notice.get_by_id(notice_id).ends_at is None


def test_district_reviewer_reads_every_school_and_changes_none(hub_app, two_schools):
    from hub.models import Board

    client = hub_app.test_client()
    csrf = sign_in(client, hub_app, "reviewer", "district_reviewer")
    for sid, board in two_schools.items():
        page = client.get(f"/?school={sid}")
        assert page.status_code == 200 and board.id.encode() in page.data
    assert client.get("/?school=NOPE").status_code == 404
    assert client.post(f"/boards/{two_schools[B].id}/revoke", data={"csrf": csrf}).status_code == 403
    assert client.post("/notices", data={"title": "x", "csrf": csrf}).status_code == 403
    assert Board.get_by_id(two_schools[B].id).state == "enrolled"


def test_district_admin_acts_in_the_school_chosen(hub_app, two_schools):
    from hub.models import Board

    client = hub_app.test_client()
    csrf = sign_in(client, hub_app, "district", "district_admin")
    client.get(f"/?school={B}")  # the choice is kept for the following requests
    assert client.post(f"/boards/{two_schools[A].id}/revoke", data={"csrf": csrf}).status_code == 404
    assert client.post(f"/boards/{two_schools[B].id}/revoke", data={"csrf": csrf}).status_code == 302
    assert Board.get_by_id(two_schools[B].id).state == "revoked"
    assert Board.get_by_id(two_schools[A].id).state == "enrolled"


def test_an_api_token_claims_only_for_its_school(hub_app, two_schools):
    from hub.console import create_user
    from hub.models import Claim

    client = hub_app.test_client()
    token = create_user("it-a", "long-password", "admin", A)
    auth = {"Authorization": f"Bearer {token}"}
    ok = client.post("/api/v1/claims", json={"claim_code": "ABCD-2345", "room_id": "R101"}, headers=auth)
    assert ok.status_code == 201 and Claim.get_by_id("ABCD-2345").school == A
    refused = client.post("/api/v1/claims", json={"claim_code": "ABCD-2346", "room_id": "R101", "school": B},
                          headers=auth)
    assert refused.status_code == 403 and Claim.get_or_none(Claim.code == "ABCD-2346") is None


def test_a_board_of_one_school_cannot_enroll_into_another(hub_app, two_schools):
    from hub.enrollment import create_token
    from hub.models import Board
    from hub.tenancy import acting_for

    with acting_for(B):
        token_b = create_token()
    answer = two_schools[A].enroll(enrollment_token=token_b, room="R101")
    assert answer.status_code == 403 and "another school" in answer.get_json()["detail"]
    assert Board.get_by_id(two_schools[A].id).school == A


def test_the_broker_acl_names_only_each_boards_own_school(hub_app, two_schools):
    from hub.broker.files import district_acl
    from hub.models import Board

    boards = [(b, b.id) for b in Board.select().order_by(Board.id)]
    lines = district_acl(boards)
    sections = "\n".join(lines).split("\nuser ")
    for sid, board in two_schools.items():
        other = B if sid == A else A
        section = next(s for s in sections if s.startswith(board.id + "\n"))
        topics = [line.split()[-1] for line in section.splitlines()[1:] if line.startswith("topic")]
        assert topics and all(t.startswith(f"classboard/{sid}/") for t in topics), topics
        assert not any(f"/{other}/" in t for t in topics)


def test_content_stored_for_a_school_must_name_it(hub_app, two_schools, school):
    from hub.school import SchoolDataError, replace_school
    from hub.district.schools import content_of
    from hub.tenancy import acting_for

    before = content_of(A)
    with acting_for(A), pytest.raises(SchoolDataError, match="school.id must be"):
        replace_school(copy.deepcopy(school))  # still the sample school's id
    assert content_of(A) == before


def test_a_single_school_hub_lists_its_one_implicit_school(hub_app, school):
    from hub.district.schools import school_rows

    [row] = school_rows()
    assert row["school"] == "" and row["id"] == school["school"]["id"]
    assert row["classes"] == len(school["classes"]) and row["students"] == len(school["students"])


def test_hub_schools_lists_counts_as_json(hub_app, two_schools):
    from click.testing import CliRunner

    from classboard.cli import cli as main
    from tests.hub.conftest import hub_args

    result = CliRunner().invoke(main, ["hub", "schools", *hub_args(hub_app), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.output)}
    assert rows[A]["boards"] == 1 and rows[B]["boards"] == 1 and rows[A]["name"] == "第一中学"
    assert rows[A]["classes"] > 0 and rows[A]["students"] > 0
    bad = CliRunner().invoke(main, ["hub", "schools", *hub_args(hub_app), "add", "bad/id", "坏学校"])
    assert bad.exit_code != 0 and "letters, digits" in bad.output


def test_evidence_is_exported_per_school(hub_app, two_schools, school, tmp_path):
    from click.testing import CliRunner

    from classboard.cli import cli as main
    from tests.hub.conftest import hub_args

    term = school["calendar"]["terms"][-1]["id"]
    out = tmp_path / "a.zip"
    result = CliRunner().invoke(main, ["hub", "export-evidence", *hub_args(hub_app), "--school", A, "--term", term,
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 boards" in result.output
    import zipfile
    names = "\n".join(zipfile.ZipFile(out).namelist())
    assert two_schools[A].id in names and two_schools[B].id not in names
    unknown = CliRunner().invoke(main, ["hub", "export-evidence", *hub_args(hub_app), "--school", "NOPE",
                                        "--term", term, "--out", str(tmp_path / "x.zip")])
    assert unknown.exit_code != 0 and "no school 'NOPE'" in unknown.output


def test_a_school_cannot_take_over_another_schools_claim(hub_app, two_schools):
    from hub.enrollment import EnrollmentError, claim_board
    from hub.models import Claim
    from hub.tenancy import acting_for

    with acting_for(A):
        claim_board("WXYZ-2345", "R101", None)
    with acting_for(B), pytest.raises(EnrollmentError, match="another school"):
        claim_board("WXYZ-2345", "R102", None)
    assert (Claim.get_by_id("WXYZ-2345").school, Claim.get_by_id("WXYZ-2345").room_id) == (A, "R101")


def test_each_school_keeps_its_logs_as_long_as_its_own_setting_says(hub_app, two_schools, school):
    """A keeps 200 days, B and the implicit school 400 (the default). 300 days on: A's records and health hours
    are gone, B's stay; the hub-wide command log stays (the longest wish, 400 days, rules what is nobody's).
    Once A's setting is invalid (90 < 180), A is not pruned at all, nor is anything hub-wide."""
    from datetime import datetime, timedelta, timezone

    from hub import health_history
    from hub.models import BoardHour, CommandLog, UsageRecord
    from hub.retention import prune_every_school
    from hub.school import replace_school
    from hub.tenancy import acting_for

    then = datetime(2026, 1, 5, 8, 0)
    for n, board in enumerate(two_schools.values()):
        UsageRecord.create(id=f"old-{n}", board_id=board.id, seq=1, kind="attendance.session", at=then,
                           class_id="C101", initiator="teacher", duration_s=60, data="{}", hash="h",
                           received_at=then)
        health_history.note(board.id, then.replace(tzinfo=timezone.utc))
    CommandLog.create(at=then, user="admin", target="*", command="volume")

    def set_retention(days):
        content = copy.deepcopy(school)
        content["school"].update(id=A, name="第一中学")
        content.setdefault("settings", {})["retention_days"] = days
        with acting_for(A):
            replace_school(content)

    def left():
        return ({r.board_id for r in UsageRecord.select()}, {h.board_id for h in BoardHour.select()},
                CommandLog.select().count())

    set_retention(90)
    removed = prune_every_school(now=datetime(2026, 11, 1, tzinfo=timezone.utc))  # 300 days on
    assert A not in removed and "*" not in removed  # an invalid wish: nothing of A's, nothing hub-wide, deleted
    assert left() == ({"cb-sch-a", "cb-sch-b"}, {"cb-sch-a", "cb-sch-b"}, 1)
    set_retention(200)
    removed = prune_every_school(now=datetime(2026, 11, 1, tzinfo=timezone.utc))
    assert removed[A] == {"usage_records": 1, "health_hours": 1} and removed[B] == {"usage_records": 0,
                                                                                   "health_hours": 0}
    assert left() == ({"cb-sch-b"}, {"cb-sch-b"}, 1)
    removed = prune_every_school(now=datetime(2026, 1, 5, tzinfo=timezone.utc) + timedelta(days=401))
    assert removed["*"]["command_log"] == 1 and left() == (set(), set(), 0)
