"""Sounds to play: files (WAV, MP3, OGG via miniaudio), tones, and offline speech (espeak-ng, piper)."""
from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


log = logging.getLogger(__name__)

class ClipError(Exception):
    """A sound cannot be used; the message names the file or engine and why."""


@dataclass
class Clip:
    """Mono int16 samples at ``rate``."""

    samples: "object"  # numpy int16 array
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def tone(freq_hz: float, seconds: float, rate: int = 48000, level: float = 0.5) -> Clip:
    import numpy as np

    t = np.arange(int(seconds * rate)) / rate
    fade = np.minimum(1.0, np.minimum(t, seconds - t) / 0.005)  # 5 ms ramps: no clicks
    return Clip((np.sin(2 * np.pi * freq_hz * t) * fade * level * 32767).astype("<i2"), rate)


def load_clip(path: Path, rate: int = 48000, sha256: str | None = None) -> Clip:
    """Decode to mono at ``rate``; with ``sha256`` the file must match it (cached media from the hub)."""
    import numpy as np

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ClipError(f"{path}: cannot be read ({exc.strerror})") from None
    if sha256 and hashlib.sha256(data).hexdigest() != sha256:
        raise ClipError(f"{path}: content does not match its expected sha256")
    import miniaudio

    try:
        decoded = miniaudio.decode(data, output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1,
                                   sample_rate=rate)
    except miniaudio.DecodeError as exc:
        raise ClipError(f"{path}: not a WAV, MP3, FLAC or OGG file miniaudio can decode ({exc})") from None
    return Clip(np.frombuffer(decoded.samples.tobytes(), dtype="<i2").copy(), rate)


def synthesize(text: str, rate: int = 48000, voice: str = "cmn", engine: str = "espeak-ng",
               model: Path | None = None) -> Clip:
    """Speak ``text`` offline: espeak-ng (Mandarin voice ``cmn``) by default, piper with a voice model."""
    if not text.strip():
        raise ClipError("nothing to say")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        if engine == "piper":
            exe = shutil.which("piper")
            if exe is None or model is None or not Path(model).exists():
                raise ClipError("piper needs the piper executable and a voice model file")
            argv, stdin = [exe, "--model", str(model), "--output_file", str(wav)], text
        elif engine == "espeak-ng":
            exe = shutil.which("espeak-ng")
            if exe is None:
                raise ClipError("espeak-ng is not installed (apt-get install espeak-ng)")
            argv, stdin = [exe, "-v", voice, "-s", "150", "-w", str(wav), text], None
        else:
            raise ClipError(f"unknown speech engine {engine!r}")
        result = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60)
        if result.returncode != 0 or not wav.exists():
            raise ClipError(f"{engine} failed: {result.stderr.strip()[:200]}")
        return load_clip(wav, rate)


def speak(text: str, rate: int = 48000, piper_model: Path | str | None = None) -> Clip:
    """The board's voice: piper when a voice model is configured and present, else espeak-ng's Mandarin.

    A piper failure (a missing executable, a broken model) falls back to
    espeak-ng, so an announcement is never lost to a better voice's problem.
    """
    if piper_model and Path(piper_model).is_file():
        try:
            return synthesize(text, rate, engine="piper", model=Path(piper_model))
        except ClipError as exc:
            log.warning("piper could not speak (%s); using espeak-ng", exc)
    return synthesize(text, rate)
