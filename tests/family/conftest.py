import io
import json
import math
import struct
import wave

import pytest

from tests.hub.conftest import client, hub_app, pg_server  # noqa: F401 - the hub on SQLite and PostgreSQL


def tone_wav(seconds: float = 1.0, rate: int = 16000, channels: int = 1) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) * channels
                          for i in range(int(seconds * rate)))
        w.writeframes(frames)
    return out.getvalue()


def issue(app, student_id: str, **kw) -> str:
    from hub.family.accounts import issue_codes
    with app.app_context():
        return issue_codes([student_id], **kw)[0].code


def csrf_of(client) -> str:
    page = client.get("/family/").get_data(as_text=True)
    return page.split('name="csrf" value="')[1].split('"')[0]


def enrol(client, code: str, login: str, password: str = "secret-pass-1"):
    return client.post("/family/enrol", data={"csrf": csrf_of(client), "code": code, "login": login,
                                              "password": password})


def api_csrf(client, student_id: str) -> str:
    page = client.get(f"/family/child/{student_id}").get_data(as_text=True)
    return page.split('data-csrf="')[1].split('"')[0]


MESSAGE = {"id": "FM-lesson-1", "student_id": "S1001", "from": "妈妈", "text": "放学在校门口等你",
           "sent_at": "2026-11-24T02:00:00Z"}


@pytest.fixture
def with_message(board, school):
    from classboard.sample import board_bundle

    board.install_bundle(board_bundle(school, board.id, "C101", "2026-11-24T00:00:00Z")
                         | {"family_messages": [MESSAGE]}, "etag-family-lesson")
    board.family().arrive(fetch=None)  # a text message: held (delivered) at once, lesson or not
    return board


def family_records(board) -> list[tuple[str, str]]:
    from edge.store import models as m

    return [(r.initiator, json.loads(r.data)["event"]) for r in m.UsageRecord.select().where(
        m.UsageRecord.kind == "family.message").order_by(m.UsageRecord.seq)]
