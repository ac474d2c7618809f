"""Voice messages: checked and rewritten on the hub into the one format every board's mixer plays.

The family page records PCM in the browser (Web Audio) and sends a WAV file, because the
boards' decoder (miniaudio) plays WAV, MP3, FLAC and Vorbis but not the WebM/Opus that
MediaRecorder makes, and the hub has no ffmpeg. Whatever WAV arrives (8–48 kHz, 16-bit,
mono or stereo, extra chunks) leaves as a plain mono 16-bit WAV of the same rate.
"""
from __future__ import annotations

import io
import wave
from array import array

MAX_UPLOAD_BYTES = 4 * 1024 * 1024
MAX_SECONDS = 60


class AudioError(ValueError):
    """Not a voice message the hub takes; nothing was stored."""


def normalise_wav(data: bytes, max_seconds: int = MAX_SECONDS) -> tuple[bytes, int]:
    """(mono 16-bit WAV, whole seconds) or AudioError with a reason a person can act on."""
    if not data:
        raise AudioError("录音是空的 / The recording is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise AudioError(f"录音太大（上限 {MAX_UPLOAD_BYTES >> 20} MB）/ The recording is too large")
    if not (data.startswith(b"RIFF") and data[8:12] == b"WAVE"):
        raise AudioError("只接受 WAV 录音 / Only WAV recordings are accepted")
    try:
        with wave.open(io.BytesIO(data)) as w:
            channels, width, rate, frames = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
            if width != 2 or channels not in (1, 2) or not 8000 <= rate <= 48000:
                raise AudioError("需要 16 位、单声道或立体声、8–48 kHz 的 WAV / Need 16-bit mono or stereo WAV, 8–48 kHz")
            if frames / rate > max_seconds + 0.5:
                raise AudioError(f"录音最长 {max_seconds} 秒 / A voice message is at most {max_seconds} s")
            raw = w.readframes(frames)
    except (wave.Error, EOFError) as exc:
        raise AudioError(f"WAV 文件损坏 / The WAV file is damaged ({exc})") from None
    samples = array("h")
    samples.frombytes(raw[: len(raw) // 2 * 2])
    if channels == 2:
        samples = samples[0::2]  # the left channel: a phone's stereo is the same voice twice
    if len(samples) < rate // 4:
        raise AudioError("录音太短 / The recording is too short")
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return out.getvalue(), max(1, round(len(samples) / rate))
