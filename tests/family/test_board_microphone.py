"""The child's voice reply on the board uses the board's microphone, and is not offered where there is none.

The board's fake clock starts in a lesson (test_lessons.py); these tests move it to the break after it.
"""
from __future__ import annotations

import io
import wave
from datetime import datetime

import pytest

from tests.conftest import SHANGHAI

from .conftest import MESSAGE, family_records

BREAK = datetime(2026, 11, 24, 10, 51, tzinfo=SHANGHAI)


def test_a_board_without_a_microphone_offers_no_reply_and_records_nothing(with_message, clock):
    from drivers.audio.inputs import MicrophoneError, create_microphone
    from edge.services.family_messages import FamilyMessages, FamilyReply
    from kiosk_ui.app import create_app

    clock.set(BREAK)
    with_message._family = FamilyMessages(with_message, create_microphone("none"))  # what auto finds on a bare board
    family = with_message.family()
    assert not family.can_reply and family.for_student("S1001")[0]["can_reply"] is False
    with pytest.raises(MicrophoneError):
        family.reply(MESSAGE["id"], "S1001", seconds=2)
    client = create_app(with_message).test_client()
    page = client.get("/family/corner/S1001").get_data(as_text=True)
    assert MESSAGE["text"] in page and "/family/open/" in page and "/family/reply/" not in page and "语音回复" not in page
    refused = client.post(f"/family/reply/{MESSAGE['id']}", data={"student_id": "S1001", "seconds": "3"})
    assert refused.status_code == 503 and "no microphone" in refused.get_json()["error"]
    assert FamilyReply.select().count() == 0 and family_records(with_message) == [("system", "delivered")]


def test_the_reply_is_what_the_microphone_recorded_for_as_long_as_asked(with_message, clock):
    from drivers.audio.inputs import SimulatedMicrophone
    from edge.services.family_messages import FamilyMessages, FamilyReply
    from kiosk_ui.app import create_app

    class Heard(SimulatedMicrophone):
        """A microphone that remembers each request, so the test sees what the board asked of it."""
        asked: list[int] = []

        def _capture(self, frames):
            self.asked.append(frames)
            return super()._capture(frames)

    clock.set(BREAK)
    mic = Heard()
    with_message._family = FamilyMessages(with_message, mic)
    client = create_app(with_message).test_client()
    page = client.get("/family/corner/S1001").get_data(as_text=True)
    assert f'action="/family/reply/{MESSAGE["id"]}"' in page and "语音回复" in page
    for bad in ("0", "21", "nan", "ten"):  # nothing, longer than a reply may be, not a number
        answer = client.post(f"/family/reply/{MESSAGE['id']}", data={"student_id": "S1001", "seconds": bad})
        assert answer.status_code == 400, bad
    assert mic.asked == [] and FamilyReply.select().count() == 0
    done = client.post(f"/family/reply/{MESSAGE['id']}", data={"student_id": "S1001", "seconds": "3"})
    assert done.status_code == 201 and mic.asked == [3 * 16000]
    import base64
    with wave.open(io.BytesIO(base64.b64decode(FamilyReply.get_by_id(done.get_json()["id"]).audio_b64))) as w:
        assert (w.getframerate(), w.getnchannels(), w.getnframes()) == (16000, 1, 3 * 16000)
    assert family_records(with_message) == [("system", "delivered"), ("student", "replied")]


def test_the_board_uses_the_microphone_its_config_names():
    from edge.config import SIMULATED_ENV, load_config
    from edge.hardware import open_microphone

    assert open_microphone(load_config(paths=[], env=SIMULATED_ENV)).name == "simulated"
    assert open_microphone(load_config(paths=[], env=dict(SIMULATED_ENV, CLASSBOARD_DRIVERS__MICROPHONE="none"))).name \
        == "none"
    pytest.importorskip("pyaudio")
    real = open_microphone(load_config(paths=[], env=dict(SIMULATED_ENV, CLASSBOARD_DRIVERS__MICROPHONE="pyaudio",
                                                          CLASSBOARD_DRIVERS__MICROPHONE_DEVICE="USB")))
    assert (real.name, real.device) == ("pyaudio", "USB")
