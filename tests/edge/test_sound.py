"""The board's speaker on the scheduler, with a simulated output read back as samples."""
import hashlib
import wave
from datetime import datetime, timedelta

import numpy as np

from drivers.audio import Mixer, Priority, SimulatedOutput, tone
from edge.jobs import install_sound
from edge.sound import Speaker, next_broadcast
from edge.store import models as m
from tests.conftest import SHANGHAI


def speaker_for(board):
    return Speaker(board, Mixer(SimulatedOutput(48000)), media_dir=board.config.data_path / "media")


def test_bells_ring_on_the_schedule(board, clock):
    speaker = speaker_for(board)
    rung = []
    speaker.ring = lambda at: rung.append(at)
    clock.set(datetime(2026, 11, 24, 7, 59, tzinfo=SHANGHAI))
    install_sound(board, speaker)
    speaker.mixer.stop()
    board.scheduler.run_until(datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI))
    assert rung == [datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI), datetime(2026, 11, 24, 8, 45, tzinfo=SHANGHAI),
                    datetime(2026, 11, 24, 8, 55, tzinfo=SHANGHAI)]


def test_emergency_notice_sounds_the_alarm_over_a_muted_speaker(board, clock):
    speaker = speaker_for(board)
    speaker.set_volume(0)
    install_sound(board, speaker)
    speaker.mixer.stop()
    now = clock.now().replace(tzinfo=None)
    m.Notice.create(id="E", title="地震疏散", starts_at=now, ends_at=now + timedelta(seconds=30), emergency=True)
    board.scheduler.run_until(clock.now() + timedelta(seconds=3))
    assert speaker.alarm is not None and speaker.alarm.priority == Priority.EMERGENCY
    speaker.mixer.render(25)
    samples = speaker.mixer.output.samples()
    assert np.sqrt(np.mean(samples[-4800:].astype(float) ** 2)) > 3000  # loud despite volume 0
    board.scheduler.run_until(clock.now() + timedelta(seconds=40))
    assert speaker.alarm is None


def test_broadcast_plays_cached_media_and_is_recorded(board, tmp_path):
    speaker = speaker_for(board)
    speaker.media_dir.mkdir(parents=True)
    source = tmp_path / "eye.wav"
    with wave.open(str(source), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(48000)
        w.writeframes(tone(440, 2.0).samples.tobytes())
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    (speaker.media_dir / digest).write_bytes(source.read_bytes())
    item = {"id": "B1", "name": "眼保健操", "at": "14:45", "media": {"url": "/m", "sha256": digest}}
    assert speaker.broadcast(item)
    assert m.UsageRecord.select().where(m.UsageRecord.kind == "broadcast.played").count() == 1
    assert not speaker.broadcast(dict(item, media={"url": "/m", "sha256": "f" * 64}))  # not cached: not played
    assert m.UsageRecord.select().count() == 1


def test_next_broadcast_respects_weekdays():
    items = [{"id": "flag", "at": "07:30", "weekdays": [1]}, {"id": "eye", "at": "14:45", "weekdays": [1, 2, 3, 4, 5]}]
    after = datetime(2026, 11, 24, 15, 0, tzinfo=SHANGHAI)  # Tuesday afternoon
    when, item = next_broadcast(items, after, SHANGHAI)
    assert item["id"] == "eye" and when == datetime(2026, 11, 25, 14, 45, tzinfo=SHANGHAI)
    when, item = next_broadcast(items[:1], after, SHANGHAI)
    assert when == datetime(2026, 11, 30, 7, 30, tzinfo=SHANGHAI)


def test_on_demand_media_plays_under_bells_and_is_recorded_with_the_teacher(board, tmp_path):
    speaker = speaker_for(board)
    speaker.media_dir.mkdir(parents=True)
    source = tmp_path / "song.wav"
    with wave.open(str(source), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(48000)
        w.writeframes(tone(330, 1.0).samples.tobytes())
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    (speaker.media_dir / digest).write_bytes(source.read_bytes())
    played = []
    speaker.mixer.play = lambda clip, priority, **kw: played.append(priority)
    assert speaker.on_demand({"id": "MD-1", "title": "校歌", "sha256": digest}, "T003")
    assert played == [Priority.MEDIA]  # the lowest: bells, broadcasts and emergencies all go over it
    (record,) = m.UsageRecord.select().where(m.UsageRecord.kind == "media.played")
    assert record.initiator == "teacher" and '"teacher_id": "T003"' in record.data.replace('":"', '": "')
    assert not speaker.on_demand({"id": "MD-2", "title": "?", "sha256": "e" * 64}, "T003")  # not here: not played
    assert m.UsageRecord.select().where(m.UsageRecord.kind == "media.played").count() == 1
