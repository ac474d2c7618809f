import json
import os
import re

from click.testing import CliRunner

from hub.cli import hub

from .conftest import rows, write_set


def cli(hub_app, *args):
    config = hub_app.config["HUB"]
    return CliRunner().invoke(hub, ["import", *args, "--data", str(config.data_dir), "--db-url", config.db_url])


def stored():
    from hub.bundles import school_content
    return json.dumps(school_content(), sort_keys=True)


def test_cli_dry_run_prints_counts_and_changes_nothing(ctx, roster):
    before = stored()
    result = cli(ctx, "oneroster", str(roster), "--dry-run")
    assert result.exit_code == 0, result.output
    assert re.search(r"^classes\s+2\s+1\s+1\s+0$", result.stdout, re.M)
    assert "dry run: nothing was changed" in result.stdout
    assert stored() == before
    result = cli(ctx, "oneroster", str(roster))
    assert result.exit_code == 0 and "imported oneroster" in result.stdout
    assert stored() != before
    again = cli(ctx, "oneroster", str(roster))
    assert "nothing to change" in again.stdout


def test_cli_rejected_import_exits_1_listing_every_problem(ctx, tmp_path):
    data = rows()
    data["enrollments.csv"][5][3] = "K9"
    data["enrollments.csv"][6][5] = "nobody"
    folder = write_set(tmp_path / "bad", data)
    before = stored()
    result = cli(ctx, "oneroster", str(folder))
    assert result.exit_code == 1
    assert "enrollments.csv:7:4: class 'K9' does not exist" in result.stderr
    assert "enrollments.csv:8:6: user 'nobody' does not exist" in result.stderr
    assert "users.csv:8:0: student 's-04' is not enrolled in any homeroom class" in result.stderr
    assert result.stderr.strip().endswith("import rejected: 4 problems; nothing was changed")
    assert stored() == before


def test_cli_timetable_csv_and_cses_needs_a_class(ctx, tmp_path):
    csv_file = tmp_path / "t.csv"
    csv_file.write_text("class,weekday,period,subject,teacher\nC101,1,1,语文,T001\n", encoding="utf-8")
    result = cli(ctx, "timetable", str(csv_file), "--dry-run")
    assert result.exit_code == 0 and re.search(r"^lessons\s+0\s+1\s+35\s+36$", result.stdout, re.M)
    yaml_file = tmp_path / "c.yaml"
    yaml_file.write_text("version: 1\nsubjects: []\nschedules: []\n", encoding="utf-8")
    result = cli(ctx, "timetable", str(yaml_file))
    assert result.exit_code == 1 and "give the class id (--class)" in result.stderr


def login_admin(client, hub_app):
    from hub.console import create_user
    with hub_app.app_context():
        create_user("admin", "long-password", "admin")
    token = re.search(rb'name="csrf" value="([^"]+)"', client.get("/login").data).group(1).decode()
    client.post("/login", data={"username": "admin", "password": "long-password", "csrf": token})
    return token


def test_console_upload_dry_run_shows_counts(client, hub_app, tmp_path):
    from io import BytesIO
    import zipfile
    from .conftest import HEADERS, csv_bytes
    login_admin(client, hub_app)
    page = client.get("/console/import")
    assert page.status_code == 200 and "OneRoster".encode() in page.data
    token = re.search(rb'name="csrf" value="([^"]+)"', page.data).group(1).decode()
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, body in rows().items():
            z.writestr(name, csv_bytes(HEADERS[name], body))
    with hub_app.app_context():
        before = stored()
    form = {"csrf": token, "kind": "oneroster", "dry_run": "on", "file": (BytesIO(buffer.getvalue()), "roster.zip")}
    response = client.post("/console/import", data=form, content_type="multipart/form-data")
    assert response.status_code == 200
    text = response.data.decode()
    assert "Dry run: nothing was changed" in text and "<td>students</td><td>9</td>" in text
    with hub_app.app_context():
        assert stored() == before
    bad = {"csrf": token, "kind": "timetable", "file": (BytesIO("class,weekday,period,subject\nC9,1,1,语文\n"
                                                               .encode()), "课表.csv")}
    response = client.post("/console/import", data=bad, content_type="multipart/form-data")
    assert response.status_code == 422 and "class &#39;C9&#39; does not exist" in response.data.decode()
    assert "<td>课表.csv</td><td>2</td><td>1</td>" in response.data.decode()
    with zipfile.ZipFile(buffer, "a") as z:  # a roster zip of 3 MB (a large school's photos, say): above the
        z.writestr("photos.bin", os.urandom(3 << 20))  # hub's 2 MB limit for record batches, taken here
    big = {"csrf": token, "kind": "oneroster", "dry_run": "on", "file": (BytesIO(buffer.getvalue()), "roster.zip")}
    response = client.post("/console/import", data=big, content_type="multipart/form-data")
    assert len(buffer.getvalue()) > 3 << 20 and response.status_code == 200, response.status_code
    assert "<td>students</td><td>9</td>" in response.data.decode()
    no_csrf = {"kind": "oneroster", "file": (BytesIO(buffer.getvalue()), "roster.zip")}
    assert client.post("/console/import", data=no_csrf, content_type="multipart/form-data").status_code == 400


def test_console_import_is_for_admins_only(client, hub_app):
    from hub.console import create_user
    assert client.get("/console/import").status_code == 302  # to the login page
    with hub_app.app_context():
        create_user("li", "long-password", "teacher")
    token = re.search(rb'name="csrf" value="([^"]+)"', client.get("/login").data).group(1).decode()
    client.post("/login", data={"username": "li", "password": "long-password", "csrf": token})
    assert client.get("/console/import").status_code == 403
