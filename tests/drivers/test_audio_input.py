"""The microphone: the real PyAudio path reading an ALSA capture PCM fed from a file, sample for sample."""
import io
import json
import os
import subprocess
import sys
import textwrap
import wave
from pathlib import Path

import numpy as np
import pytest

from drivers.audio import MicrophoneError, SimulatedMicrophone, create_microphone

RATE = 16000

# ALSA's `file` plugin over a `null` slave: what the capture side reads comes from `infile` (raw, the PCM's format).
ALSA_CAPTURE_PCM = """
pcm.!default {{
    type file
    slave.pcm "nullsrc"
    file "/dev/null"
    infile "{infile}"
    format "raw"
}}
pcm.nullsrc {{
    type null
}}
"""

CHILD = textwrap.dedent("""
    import base64, json, sys
    from drivers.audio import PyAudioMicrophone
    args = json.loads(sys.argv[1])
    mic = PyAudioMicrophone(args.get("device"), capture_rate=args.get("capture_rate"))
    try:
        wav = mic.record(args["seconds"])
    except Exception as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
    else:
        print(json.dumps({"wav": base64.b64encode(wav).decode()}))
""")


def record_through_alsa(tmp_path: Path, fed: np.ndarray, **args) -> dict:
    """Run the real driver in a child process (PortAudio reads ALSA's config once per process)."""
    import base64

    infile = tmp_path / "microphone.raw"
    infile.write_bytes(fed.astype("<i2").tobytes())
    conf = tmp_path / "asound.conf"
    conf.write_text(ALSA_CAPTURE_PCM.format(infile=infile))
    env = dict(os.environ, ALSA_CONFIG_PATH=str(conf), PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    result = subprocess.run([sys.executable, "-c", CHILD, json.dumps(args)], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    if "wav" in answer:
        answer["wav"] = base64.b64decode(answer["wav"])
    return answer


def read_wav(data: bytes) -> tuple[wave._wave_params, np.ndarray]:
    with wave.open(io.BytesIO(data)) as w:
        return w.getparams(), np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


def test_the_real_backend_records_exactly_what_the_capture_device_gives(tmp_path):
    fed = np.random.default_rng(16).integers(-30000, 30000, RATE * 3).astype("<i2")  # 3 s of noise: no two alike
    answer = record_through_alsa(tmp_path, fed, seconds=1.5)
    params, got = read_wav(answer["wav"])
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, RATE)
    assert len(got) == int(1.5 * RATE)
    assert np.array_equal(got, fed[:len(got)])  # sample for sample, from the first one


def test_a_device_is_chosen_by_name_and_an_unknown_name_is_a_clear_error(tmp_path):
    fed = (np.arange(RATE) % 2000 - 1000).astype("<i2")
    params, got = read_wav(record_through_alsa(tmp_path, fed, seconds=0.5, device="default")["wav"])
    assert np.array_equal(got, fed[:RATE // 2])
    answer = record_through_alsa(tmp_path, fed, seconds=0.5, device="USB PnP Sound Device")
    assert answer["error"] == "MicrophoneError: cannot record: no audio input device matching 'USB PnP Sound Device'"


def test_a_device_that_records_only_at_48_khz_is_resampled_to_16(tmp_path):
    t = np.arange(48000 * 2) / 48000
    fed = (np.sin(2 * np.pi * 1000 * t) * 12000).astype("<i2")  # 1 kHz at 48 kHz
    params, got = read_wav(record_through_alsa(tmp_path, fed, seconds=1.0, capture_rate=48000)["wav"])
    assert params.framerate == RATE and len(got) == RATE
    spectrum = np.abs(np.fft.rfft(got * np.hanning(len(got))))
    assert abs(np.fft.rfftfreq(len(got), 1 / RATE)[np.argmax(spectrum)] - 1000) < 2
    assert 0.9 < np.sqrt(np.mean(got[100:-100].astype(float) ** 2)) / (12000 / np.sqrt(2)) < 1.05  # level kept


@pytest.mark.parametrize("seconds", [0, -1, float("nan"), float("inf"), "ten", 61])
def test_no_recording_of_nothing_or_too_long(seconds):
    mic = SimulatedMicrophone()
    with pytest.raises(ValueError):
        mic.record(seconds)
    assert SimulatedMicrophone(max_seconds=20).frames_for(20) == 20 * RATE
    with pytest.raises(ValueError, match="at most 20 s"):
        SimulatedMicrophone(max_seconds=20).record(20.5)


def test_the_simulated_microphone_is_a_two_tone_wav_and_none_refuses():
    params, got = read_wav(SimulatedMicrophone().record(1.0))
    assert (params.nchannels, params.framerate, len(got)) == (1, RATE, RATE)
    first, second = got[:RATE // 2], got[RATE // 2:]
    for part, hz in ((first, 440), (second, 660)):
        spectrum = np.abs(np.fft.rfft(part))
        assert abs(np.fft.rfftfreq(len(part), 1 / RATE)[np.argmax(spectrum)] - hz) < 3
    with pytest.raises(MicrophoneError, match="no microphone"):
        create_microphone("none").record(1)
    with pytest.raises(ValueError, match="backend"):
        create_microphone("sometimes")


def test_one_recording_at_a_time():
    import threading

    started, release = threading.Event(), threading.Event()

    class Slow(SimulatedMicrophone):
        def _capture(self, frames):
            started.set()
            release.wait(10)
            return super()._capture(frames)

    mic = Slow()
    first = threading.Thread(target=mic.record, args=(0.1,))
    first.start()
    assert started.wait(10)
    with pytest.raises(MicrophoneError, match="already recording"):
        mic.record(0.1)
    release.set()
    first.join(10)
    assert len(mic.record(0.1)) > 44  # free again
