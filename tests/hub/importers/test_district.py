"""A district's OneRoster set: every school created or updated in one import, or none at all."""
from __future__ import annotations

import copy
import json
from pathlib import Path

from click.testing import CliRunner

from classboard.cli import cli
from tests.hub.conftest import hub_args
from tests.hub.importers.conftest import rows, write_set

ID_COLUMNS = {"classes.csv": (0,), "users.csv": (0, 4), "roles.csv": (0, 3), "enrollments.csv": (0, 3, 5)}


def district_rows() -> dict[str, list[list[str]]]:
    """The sample school (ORG-1) and a second school (ORG-2) with its own ids, under one district ORG-0."""
    one, two = rows(), rows()
    for name, columns in ID_COLUMNS.items():
        for row in two[name]:
            for c in columns:
                row[c] = "B-" + row[c]
            row[:] = ["ORG-2" if v == "ORG-1" else v for v in row]
    one["orgs.csv"].append(["ORG-2", "active", "2026-08-20T00:00:00.000Z", "南宁市第二中学", "school", "450102",
                            "ORG-0"])
    for name in ID_COLUMNS:
        one[name] += two[name]
    return one


def run(app, *args):
    return CliRunner().invoke(cli, ["hub", "import", "oneroster", *args, *hub_args(app)])


def schools(app):
    result = CliRunner().invoke(cli, ["hub", "schools", *hub_args(app), "--format", "json"])
    assert result.exit_code == 0, result.output
    return {r["school"]: r for r in json.loads(result.output)}


def test_dry_run_tells_per_school_and_changes_nothing(hub_app, tmp_path):
    from hub.models import School

    result = run(hub_app, str(write_set(tmp_path / "district", district_rows())), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "ORG-1 南宁市示范中学: 新建 new school" in result.output
    assert "ORG-2 南宁市第二中学: 新建 new school" in result.output
    assert "dry run: nothing was changed" in result.output
    assert School.select().count() == 0 and set(schools(hub_app)) == {""}


def test_import_creates_every_school_with_chinese_grades(hub_app, tmp_path):
    from hub.district.schools import content_of
    from hub.models import School

    folder = write_set(tmp_path / "district", district_rows())
    result = run(hub_app, str(folder))
    assert result.exit_code == 0, result.output
    assert {s.id: s.district for s in School.select()} == {"ORG-1": "南宁市教育局", "ORG-2": "南宁市教育局"}
    listed = schools(hub_app)
    assert listed["ORG-1"]["classes"] == 3 and listed["ORG-2"]["classes"] == 3
    assert listed["ORG-1"]["students"] == 10 and listed["ORG-2"]["students"] == 10
    b = content_of("ORG-2")
    assert b["school"] == dict(b["school"], id="ORG-2", name="南宁市第二中学")
    assert {c["grade"] for c in b["classes"]} == {"高一"}
    assert all(s["id"].startswith("B-") for s in b["students"])  # no person of school 1 in school 2
    # the same set again changes nothing; one renamed class shows as one change in that school only
    data = district_rows()
    next(r for r in data["classes.csv"] if r[0] == "B-HR-3")[3] = "高一(3)班 改名"
    again = run(hub_app, str(write_set(tmp_path / "district2", data)), "--dry-run")
    assert again.exit_code == 0, again.output
    school_two = again.output.split("== ORG-2")[1]
    assert "更新 update" in school_two and "classes" in school_two
    classes_line = next(line for line in school_two.splitlines() if line.startswith("classes"))
    assert classes_line.split()[1:5] == ["0", "1", "0", "2"]  # added, changed, removed, unchanged
    classes_one = next(line for line in again.output.split("== ORG-2")[0].splitlines() if line.startswith("classes"))
    assert classes_one.split()[1:5] == ["0", "0", "0", "3"]


def test_one_bad_school_refuses_the_whole_district(hub_app, tmp_path):
    from hub.models import School

    data = district_rows()
    bad = next(r for r in data["enrollments.csv"] if r[4] == "ORG-2")
    bad[3] = "B-NO-SUCH-CLASS"
    result = run(hub_app, str(write_set(tmp_path / "district", data)))
    assert result.exit_code == 1
    assert "class 'B-NO-SUCH-CLASS' does not exist" in result.output and "nothing was changed" in result.output
    assert School.select().count() == 0


def test_a_school_of_another_district_is_refused(hub_app, tmp_path):
    data = district_rows()
    data["orgs.csv"][-1][6] = "ORG-9"
    result = run(hub_app, str(write_set(tmp_path / "district", data)), "--dry-run")
    assert result.exit_code == 1 and "not to the district 'ORG-0'" in result.output


def test_grade_names_can_be_the_districts_own(hub_app, tmp_path):
    from hub.district.schools import content_of

    names = tmp_path / "grades.json"
    names.write_text(json.dumps({"10": "高中一年级"}), encoding="utf-8")
    data = copy.deepcopy(district_rows())
    assert run(hub_app, str(write_set(tmp_path / "district", data)), "--grade-names", str(names)).exit_code == 0
    assert {c["grade"] for c in content_of("ORG-1")["classes"]} == {"高中一年级"}
    names.write_text("[1, 2]", encoding="utf-8")
    refused = run(hub_app, str(write_set(tmp_path / "district3", data)), "--grade-names", str(names))
    assert refused.exit_code != 0 and "grade code" in refused.output


def test_the_district_admin_uploads_the_set_on_the_district_import_page(hub_app, tmp_path):
    """The same set as one zip body (as the page's upload sends it): a dry run plans both schools, the import
    stores them, a broken set is refused whole with its problems, and only a district admin may do it."""
    import shutil

    from hub.models import School
    from tests.hub.test_tenants import sign_in

    def zipped(data, name):
        folder = write_set(tmp_path / name, data)
        return Path(shutil.make_archive(str(tmp_path / name), "zip", folder)).read_bytes()

    client = hub_app.test_client()
    csrf = sign_in(client, hub_app, "district-head", "district_admin")

    def send(body, dry_run=False):
        return client.post("/district/import" + ("?dry_run=1" if dry_run else ""), data=body,
                           headers={"X-CSRF-Token": csrf, "Content-Type": "application/zip"})
    good = zipped(district_rows(), "good")
    answer = send(good, dry_run=True)
    assert answer.status_code == 200 and not answer.get_json()["applied"]
    assert "ORG-2 南宁市第二中学: 新建 new school" in answer.get_json()["plan"] and School.select().count() == 0
    assert "区县 OneRoster 导入" in client.get("/district/import").get_data(as_text=True)
    data = district_rows()
    next(r for r in data["enrollments.csv"] if r[4] == "ORG-2")[3] = "B-NO-SUCH-CLASS"
    answer = send(zipped(data, "bad"))
    assert answer.status_code == 422 and "nothing was changed" in answer.get_json()["error"]
    assert any("class 'B-NO-SUCH-CLASS' does not exist" in p for p in answer.get_json()["problems"])
    assert School.select().count() == 0
    assert send(b"not a zip").status_code == 400
    answer = send(good)
    assert answer.status_code == 200 and answer.get_json() == dict(answer.get_json(), applied=True, schools=2)
    assert {s.id for s in School.select()} == {"ORG-1", "ORG-2"}
    school_admin = hub_app.test_client()
    token = sign_in(school_admin, hub_app, "head-of-one", "admin", "ORG-1")
    assert school_admin.post("/district/import", data=good, headers={
        "X-CSRF-Token": token, "Content-Type": "application/zip"}).status_code == 403
