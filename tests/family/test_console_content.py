"""Teachers see that messages exist, not their content, unless the school's policy (teachers_read_content) says so.

Both ways on the running hub's console: counts only by default (text absent, voice refused); an admin turns
the policy on (a teacher cannot); then the teacher reads texts and plays voices, and each reading is logged.
"""
from hub.family.models import FamilyMessage
from hub.models import AccessLog

from .conftest import api_csrf, enrol, issue, tone_wav

SECRET_TEXT = "周五下午我来接你，别告诉别人"


def console_login(app, username: str, role: str):
    from hub.console import create_user

    with app.app_context():
        create_user(username, f"{username}-password", role)
    client = app.test_client()
    csrf = client.get("/login").get_data(as_text=True).split('name="csrf" value="')[1].split('"')[0]
    client.post("/login", data={"csrf": csrf, "username": username, "password": f"{username}-password"})
    return client


def page_csrf(page: str) -> str:
    return page.split('name="csrf" value="')[1].split('"')[0]


def test_the_console_shows_message_content_only_under_the_schools_policy(client, hub_app):
    enrol(client, issue(hub_app, "S1001", relation="妈妈"), "mum")
    csrf = api_csrf(client, "S1001")
    assert client.post("/family/api/children/S1001/messages", json={"text": SECRET_TEXT},
                       headers={"X-CSRF-Token": csrf}).status_code == 201
    assert client.post("/family/api/children/S1001/messages", data=tone_wav(1.0),
                       headers={"X-CSRF-Token": csrf, "Content-Type": "audio/wav"}).status_code == 201
    with hub_app.app_context():
        voice = FamilyMessage.get(FamilyMessage.media_sha256.is_null(False)).id
    teacher = console_login(hub_app, "teacher-wang", "teacher")
    admin = console_login(hub_app, "admin", "admin")

    # default: counts, no content, no voice, no switch for a teacher
    page = teacher.get("/console/family/").get_data(as_text=True)
    assert "<td>2</td>" in page and SECRET_TEXT not in page and "/audio" not in page
    assert "留言内容不向教师显示" in page and 'action="/console/family/policy"' not in page
    assert teacher.get(f"/console/family/messages/{voice}/audio").status_code == 403
    refused = teacher.post("/console/family/policy", data={"csrf": page_csrf(page), "teachers_read_content": "on"})
    assert refused.status_code == 403
    with hub_app.app_context():
        assert AccessLog.select().where(AccessLog.event == "family.content").count() == 0

    # the school decides: an admin turns it on
    admin_page = admin.get("/console/family/").get_data(as_text=True)
    assert SECRET_TEXT not in admin_page and 'name="teachers_read_content"' in admin_page  # admins too: off is off
    done = admin.post("/console/family/policy", data={"csrf": page_csrf(admin_page), "teachers_read_content": "on"})
    assert done.status_code == 302
    page = teacher.get("/console/family/").get_data(as_text=True)
    assert SECRET_TEXT in page and "妈妈 → 孩子" in page and f"/console/family/messages/{voice}/audio" in page
    audio = teacher.get(f"/console/family/messages/{voice}/audio")
    assert audio.status_code == 200 and audio.data[:4] == b"RIFF"
    assert teacher.get("/console/family/messages/no-such-message/audio").status_code == 404
    with hub_app.app_context():
        readings = [(r.actor, r.detail) for r in AccessLog.select().where(AccessLog.event == "family.content")
                    .order_by(AccessLog.id)]
        assert readings == [("teacher-wang", "2 messages listed"), ("teacher-wang", f"voice message {voice}")]
        assert [r.detail for r in AccessLog.select().where(AccessLog.event == "family.policy")] == \
            ["teachers_read_content=on"]

    # and off again (an unticked box): content gone at once
    admin.post("/console/family/policy", data={"csrf": page_csrf(admin.get("/console/family/").get_data(as_text=True))})
    page = teacher.get("/console/family/").get_data(as_text=True)
    assert SECRET_TEXT not in page and teacher.get(f"/console/family/messages/{voice}/audio").status_code == 403


def test_the_policy_from_the_command_line(tmp_path):
    import subprocess
    import sys

    def hub(*args):
        return subprocess.run([sys.executable, "-m", "classboard", "hub", "family", "policy", "--data", str(tmp_path),
                               *args], capture_output=True, text=True, timeout=60)

    assert "teachers_read_content: off" in hub().stdout
    assert "teachers_read_content: on" in hub("--teachers-read-content").stdout
    assert "teachers_read_content: on" in hub().stdout
    assert "teachers_read_content: off" in hub("--teachers-see-counts").stdout
