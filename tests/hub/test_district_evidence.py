"""The district checks a school's uploaded evidence archive against its own witness, not the school's word.

The school (three boards enrolled and uploading through the real API, forwarded
to a real witness process) exports its archive; its admin uploads it on the
district page; the district verifies it in the background and shows the
verdict. Forged archives are built here as in tests/hub/test_evidence_attacks.py.
"""
from __future__ import annotations

import time

import pytest

from protocol.keys import fingerprint, generate_keypair, public_text
from protocol.memlog import MemoryLog
from tests.hub.test_evidence import rewrite
from tests.hub.test_evidence_attacks import School
from tests.hub.test_tenants import sign_in
from tests.hub.usage import weeks

pytestmark = pytest.mark.parametrize("hub_app", ["sqlite"], indirect=True)


@pytest.fixture
def school(hub_app, client, token, witness, tmp_path):
    return School(hub_app, client, token, witness, tmp_path)


def upload(client, csrf: str, body: bytes, school: str = ""):
    return client.post(f"/district/evidence?school={school}" if school else "/district/evidence", data=body,
                       headers={"X-CSRF-Token": csrf, "Content-Type": "application/zip"})


def verdict_after(client, seconds: float = 60) -> dict:
    """Poll the page's JSON as the browser does until the background check is done (bounded)."""
    deadline = time.monotonic() + seconds
    while True:
        verdict = client.get("/district/evidence?format=json").get_json()
        if verdict.get("state") != "verifying" or time.monotonic() > deadline:
            return verdict
        time.sleep(0.1)


def test_an_honest_archive_is_verified_against_the_witness_and_shown_to_the_district(school, hub_app, client):
    csrf = sign_in(client, hub_app, "school-admin", "admin")
    body = school.export().read_bytes()
    answer = upload(client, csrf, body)
    assert answer.status_code == 202 and answer.get_json()["state"] == "verifying"
    verdict = verdict_after(client)
    assert verdict["state"] == "done" and verdict["ok"] and verdict["attested"], verdict["problems"]
    assert verdict["boards"] == 3 and verdict["records"] == 3 * len(weeks()) and verdict["bytes"] == len(body)
    page = client.get("/district/evidence").get_data(as_text=True)
    assert "已核验 verified" in page and "经见证服务核对 attested by the witness" in page
    reviewer = hub_app.test_client()
    sign_in(reviewer, hub_app, "reviewer", "district_reviewer")
    assert "已核验 verified" in reviewer.get("/district?refresh=1").get_data(as_text=True)
    csv = reviewer.get("/district?format=csv").get_data(as_text=True).splitlines()
    assert "证据包核验 archive" in csv[0] and "已核验 verified" in csv[1]
    # the reviewer reads, never uploads
    assert upload(reviewer, csrf, body).status_code in (400, 403)


def test_a_rekeyed_board_in_a_resigned_archive_shows_its_problems(school, hub_app, client, tmp_path):
    """The school's hub operator re-keys cb-b (longer sessions) and re-signs the manifest: the archive is
    self-consistent, but the district's witness holds cb-b's real key and checkpoints."""
    csrf = sign_in(client, hub_app, "school-admin", "admin")
    forger = generate_keypair()
    fake = MemoryLog("cb-b", forger)
    for rec in school.logs["cb-b"].records:
        fake.add(rec["kind"], rec["at"], class_id=rec["class_id"], duration_s=900, record_id=rec["id"])

    def rekey(manifest):
        entry = next(b for b in manifest["boards"] if b["id"] == "cb-b")
        entry.update(public_key=public_text(forger), fingerprint=fingerprint(forger), root=fake.root().hex())
    forged = rewrite(school.export(), tmp_path / "rekeyed.zip", hub_key=hub_app.config["HUB_KEY"],
                     records={"cb-b": lambda _: fake.records}, checkpoints={"cb-b": lambda _: [fake.checkpoint()]},
                     manifest=rekey)
    assert upload(client, csrf, forged.read_bytes()).status_code == 202
    verdict = verdict_after(client)
    assert verdict["state"] == "done" and not verdict["ok"] and verdict["problem_count"] >= 3
    assert any(p.startswith("board cb-b: re-keyed") for p in verdict["problems"])
    page = client.get("/district/evidence").get_data(as_text=True)
    assert f"{verdict['problem_count']} 处问题 problems" in page and "board cb-b: re-keyed" in page


def test_another_schools_archive_and_boards_the_witness_holds_for_another_school_are_named(school, hub_app, client,
                                                                                          tmp_path):
    csrf = sign_in(client, hub_app, "school-admin", "admin")

    def other_school(manifest):
        manifest["school"] = dict(manifest["school"], id="OTHER-SCHOOL")
    forged = rewrite(school.export(), tmp_path / "other.zip", hub_key=hub_app.config["HUB_KEY"],
                     manifest=other_school)
    assert upload(client, csrf, forged.read_bytes()).status_code == 202
    verdict = verdict_after(client)
    assert not verdict["ok"] and "证据包属于学校 'OTHER-SCHOOL'" in verdict["problems"][0]
    # the school now calls itself otherwise (its archive agrees), but the witness took its boards for the old id
    from hub.bundles import school_content
    from hub.school import replace_school

    old = school_content()["school"]["id"]
    content = school_content()
    content["school"]["id"] = "RENAMED"
    replace_school(content)
    assert upload(client, csrf, school.export("renamed.zip").read_bytes()).status_code == 202
    verdict = verdict_after(client)
    held_elsewhere = [p for p in verdict["problems"] if "the witness holds board" in p]
    assert len(held_elsewhere) == 3 and f"属于 {old!r}" in held_elsewhere[0]


def test_bad_uploads_are_refused_and_change_nothing(school, hub_app, client, monkeypatch):
    from hub.district import evidence

    csrf = sign_in(client, hub_app, "school-admin", "admin")
    assert upload(client, csrf, school.export().read_bytes()).status_code == 202
    before = verdict_after(client)
    folder = evidence.archive_dir(hub_app.config["HUB"].data_dir, "")
    files = sorted(p.name for p in folder.iterdir())
    for body in (b"", b"not a zip at all" * 100):
        answer = upload(client, csrf, body)
        assert answer.status_code == 400 and answer.get_json()["error"]
    monkeypatch.setattr(evidence, "MAX_ARCHIVE_BYTES", 1000)
    assert upload(client, csrf, b"PK\x03\x04" + b"x" * 5000).status_code in (400, 413)
    assert client.post("/district/evidence", data=b"PK", headers={"Content-Type": "application/zip"}
                       ).status_code == 400  # no CSRF token
    assert sorted(p.name for p in folder.iterdir()) == files  # nothing kept, no half-written file
    assert client.get("/district/evidence?format=json").get_json() == before


def test_without_a_witness_an_archive_is_never_shown_as_verified(school, hub_app, client):
    hub_app.config["HUB"].witness_url = ""
    csrf = sign_in(client, hub_app, "school-admin", "admin")
    assert upload(client, csrf, school.export().read_bytes()).status_code == 202
    verdict = verdict_after(client)
    assert verdict["ok"] and not verdict["attested"]
    page = client.get("/district/evidence").get_data(as_text=True)
    assert "密钥未经见证 consistent, keys not attested" in page and "已核验 verified" not in page
    assert "本平台未配置见证服务" in page

