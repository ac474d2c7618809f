"""Audio: the mixer's priorities, and the real PyAudio path into an ALSA file PCM, read back and measured."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from drivers.audio import ClipError, Mixer, Priority, SimulatedOutput, load_clip, synthesize, tone

RATE = 48000


def dominant_hz(samples, rate=RATE) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[np.argmax(spectrum)])


def rms(samples) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def test_tone_frequency_and_wav_round_trip(tmp_path):
    import wave
    clip = tone(1000, 1.0)
    assert abs(dominant_hz(clip.samples) - 1000) < 2
    path = tmp_path / "bell.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(22050)
        w.writeframes(tone(880, 0.5, rate=22050).samples.tobytes())
    loaded = load_clip(path, RATE)
    assert loaded.rate == RATE and abs(loaded.seconds - 0.5) < 0.01 and abs(dominant_hz(loaded.samples) - 880) < 3


def test_bad_files_are_refused(tmp_path):
    junk = tmp_path / "x.mp3"
    junk.write_bytes(b"not audio" * 100)
    with pytest.raises(ClipError, match="not a WAV, MP3"):
        load_clip(junk)
    good = tmp_path / "ok.wav"
    import wave
    with wave.open(str(good), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(RATE)
        w.writeframes(tone(440, 0.1).samples.tobytes())
    with pytest.raises(ClipError, match="sha256"):
        load_clip(good, sha256="0" * 64)


def test_ducking_resume_and_emergency_preemption():
    out = SimulatedOutput(RATE)
    mixer = Mixer(out, block_ms=20, duck_gain=0.1)
    broadcast = mixer.play(tone(440, 5.0, level=0.5), Priority.BROADCAST)
    mixer.render(10)
    full = rms(out.samples()[-960:])
    page = mixer.start_stream(Priority.PAGING)
    page.feed(tone(1000, 0.4, level=0.5).samples.tobytes())
    page.close()
    mixer.render(10)
    during = out.samples()[-9600:]
    assert abs(dominant_hz(during) - 1000) < 5  # the page dominates
    mixer.render(15)  # page over: the broadcast is back at full level where it left off
    assert abs(rms(out.samples()[-960:]) - full) / full < 0.05
    before = broadcast.position
    alarm = mixer.play(tone(2000, 0.5, level=0.5), Priority.EMERGENCY, loop=True)
    mixer.master_volume = 0.0  # turned down to silence
    mixer.render(10)
    assert broadcast.position == before  # paused, not ducked
    assert abs(dominant_hz(out.samples()[-4800:]) - 2000) < 5 and rms(out.samples()[-960:]) > 1000
    alarm.stop()
    mixer.render(2)
    assert broadcast.position > before


def test_offline_speech_in_mandarin():
    clip = synthesize("请各位同学到操场集合")
    assert clip.seconds > 1.0 and rms(clip.samples) > 100


ALSA_FILE_PCM = """
pcm.!default {{
    type file
    slave.pcm "nullsink"
    file "{path}"
    format "raw"
}}
pcm.nullsink {{
    type null
}}
"""

CHILD = textwrap.dedent("""
    import sys, time
    from drivers.audio import Mixer, Priority, PyAudioOutput, tone
    out = PyAudioOutput(48000)
    mixer = Mixer(out, block_ms=20, duck_gain=0.1)
    mixer.render(25)                       # 0.5 s of silence first
    bell = mixer.play(tone(1000, 1.0, level=0.5), Priority.BELL)
    mixer.render(25)
    mixer.play(tone(600, 0.5, level=0.5), Priority.EMERGENCY)   # the alarm preempts the bell
    mixer.render(25)
    mixer.render(30)                       # the bell resumes and finishes
    mixer.stop()
""")


def test_real_pyaudio_path_into_an_alsa_file_pcm(tmp_path):
    raw = tmp_path / "speaker.raw"
    conf = tmp_path / "asound.conf"
    conf.write_text(ALSA_FILE_PCM.format(path=raw))
    env = dict(os.environ, ALSA_CONFIG_PATH=str(conf), PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    result = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    samples = np.frombuffer(raw.read_bytes(), dtype="<i2")
    assert len(samples) >= RATE * 2
    start = int(np.argmax(np.abs(samples) > 500))
    assert abs(start - RATE // 2) <= 960  # the bell starts after the 0.5 s of silence, within one block
    bell = samples[start:start + RATE // 2]
    assert abs(dominant_hz(bell) - 1000) < 3
    alarm = samples[RATE:RATE + RATE // 2]
    assert abs(dominant_hz(alarm) - 600) < 3  # emergency on top; the bell was paused, not mixed in
    assert abs(dominant_hz(samples[int(1.6 * RATE):int(1.9 * RATE)]) - 1000) < 3  # and resumed


def test_a_failing_output_is_reopened_and_the_alarm_still_sounds():
    import time

    from drivers.audio import Mixer, Priority, SimulatedOutput, tone

    class Flaky(SimulatedOutput):
        """Fails its first two writes, as a USB speaker does while it is being plugged in."""

        def __init__(self):
            super().__init__(8000)
            self.failures, self.closed = 2, 0

        def write(self, frames):
            if self.failures:
                self.failures -= 1
                raise OSError("device unavailable")
            super().write(frames)

        def close(self):
            self.closed += 1

    output = Flaky()
    mixer = Mixer(output)
    mixer.start()
    try:
        mixer.play(tone(1000, 0.2, 8000), Priority.EMERGENCY)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not len(output.samples()):
            time.sleep(0.05)
        assert len(output.samples()) and output.closed == 2
        assert mixer.fault == ""  # cleared once sound plays again
    finally:
        mixer.stop()


def test_a_board_without_a_speaker_gets_a_silent_paced_output():
    import time

    from drivers.audio import create_output

    out = create_output("none", rate=8000)
    started = time.monotonic()
    out.write(b"\x00\x00" * 800)  # 100 ms
    assert out.name == "none" and time.monotonic() - started >= 0.09


def test_spoken_notices_use_piper_when_a_voice_model_is_present(tmp_path, monkeypatch):
    """A stand-in `piper` on PATH (reads text on stdin, writes --output_file): used only with a model file."""
    import numpy as np

    from drivers.audio.clips import speak

    fake = tmp_path / "bin" / "piper"
    fake.parent.mkdir()
    fake.write_text("""#!/usr/bin/env python3
import math, struct, sys, wave
args = sys.argv[1:]
out = args[args.index("--output_file") + 1]
sys.stdin.read()
with wave.open(out, "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(22050)
    w.writeframes(b"".join(struct.pack("<h", int(9000 * math.sin(2 * math.pi * 440 * i / 22050)))
                           for i in range(22050)))
""")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    model = tmp_path / "zh_CN-huayan-medium.onnx"
    model.write_bytes(b"voice")
    clip = speak("请各位同学到操场集合", 48000, model)
    spectrum = np.abs(np.fft.rfft(clip.samples[:48000].astype(float)))
    assert abs(np.argmax(spectrum) - 440) < 3  # one second at 48 kHz: 1 Hz bins. piper's voice, resampled to the mixer
    espeak = speak("请各位同学到操场集合", 48000, tmp_path / "missing.onnx")  # no model: espeak-ng
    assert espeak.seconds > 0.5 and abs(espeak.seconds - 1.0) > 0.05
