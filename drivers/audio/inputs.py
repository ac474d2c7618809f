"""Sound in: a short recording from a microphone (PortAudio over ALSA), or a simulated one that says it is.

A recording is always N seconds of 16 kHz mono signed 16-bit PCM, handed back as
WAV bytes: small (32 KB a second), what speech needs, and what the boards' own
decoder (miniaudio) and any browser play. A request longer than the
microphone's ``max_seconds`` is refused, not cut short: a caller asking for ten
minutes has a bug, and a board's memory is not the place to find out.
"""
from __future__ import annotations

import io
import math
import threading
import time
import wave

from .outputs import device_index

RATE = 16000
MAX_SECONDS = 60.0
BLOCK_FRAMES = 1600  # 100 ms per read


class MicrophoneError(Exception):
    """The microphone cannot record now (no device, busy, failed); the message says which."""


def wav_bytes(pcm: bytes, rate: int = RATE) -> bytes:
    """Mono signed 16-bit little-endian ``pcm`` wrapped as a WAV file."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return out.getvalue()


class Microphone:
    """Records ``seconds`` of sound, one recording at a time (a second caller is told it is busy, not queued)."""

    name = "microphone"

    def __init__(self, rate: int = RATE, max_seconds: float = MAX_SECONDS) -> None:
        self.rate, self.max_seconds = rate, max_seconds
        self._busy = threading.Lock()

    def frames_for(self, seconds: float) -> int:
        """How many frames ``seconds`` is; ``ValueError`` for nothing, not a number, or more than ``max_seconds``."""
        try:
            seconds = float(seconds)
        except (TypeError, ValueError):
            raise ValueError(f"seconds must be a number, not {seconds!r}") from None
        if not math.isfinite(seconds) or seconds <= 0:
            raise ValueError(f"seconds must be more than 0, not {seconds!r}")
        if seconds > self.max_seconds:
            raise ValueError(f"a recording is at most {self.max_seconds:g} s, not {seconds:g} s")
        return max(1, round(seconds * self.rate))

    def record(self, seconds: float) -> bytes:
        """``seconds`` of sound as a WAV file (16 kHz mono 16-bit); blocks about that long on a real device."""
        frames = self.frames_for(seconds)
        if not self._busy.acquire(blocking=False):
            raise MicrophoneError("the microphone is already recording")
        try:
            pcm = self._capture(frames)
        finally:
            self._busy.release()
        return wav_bytes(pcm, self.rate)

    def _capture(self, frames: int) -> bytes:
        raise NotImplementedError


class SimulatedMicrophone(Microphone):
    """The demo's and the tests' microphone: a two-tone sound (440 Hz, then 660 Hz), never silence, never a voice."""

    name = "simulated"

    def __init__(self, rate: int = RATE, max_seconds: float = MAX_SECONDS, level: int = 6000) -> None:
        super().__init__(rate, max_seconds)
        self.level = level

    def _capture(self, frames: int) -> bytes:
        import numpy as np

        t = np.arange(frames) / self.rate
        freq = np.where(t < 0.5, 440.0, 660.0)
        return (np.sin(2 * np.pi * freq * t) * self.level).astype("<i2").tobytes()


class PyAudioMicrophone(Microphone):
    """A sound card's capture side through PortAudio: the ALSA default, or a device by index or name.

    Opened for each recording and let go after it, so the device is free between
    recordings and a USB microphone plugged in later is found. Where the device
    cannot record at 16 kHz (many USB microphones take only 44.1 or 48 kHz through
    a raw ``hw`` device), it records at its own rate and the sound is resampled.
    """

    name = "pyaudio"

    def __init__(self, device: str | int | None = None, rate: int = RATE, max_seconds: float = MAX_SECONDS,
                 capture_rate: int | None = None, block_frames: int = BLOCK_FRAMES) -> None:
        super().__init__(rate, max_seconds)
        self.device, self.capture_rate, self.block_frames = device, capture_rate, block_frames

    def _rate_for(self, pa, index: int | None) -> int:
        """16 kHz where the device takes it, else the device's own rate (resampled after)."""
        import pyaudio

        if self.capture_rate:
            return self.capture_rate
        try:
            pa.is_format_supported(self.rate, input_device=index if index is not None else
                                   pa.get_default_input_device_info()["index"], input_channels=1,
                                   input_format=pyaudio.paInt16)
            return self.rate
        except ValueError:
            info = pa.get_device_info_by_index(index) if index is not None else pa.get_default_input_device_info()
            return int(info["defaultSampleRate"])

    def _capture(self, frames: int) -> bytes:
        try:
            import pyaudio
        except ImportError:
            raise MicrophoneError("PyAudio is not installed") from None
        pa = pyaudio.PyAudio()
        stream = None
        try:
            index = device_index(pa, self.device, "input")
            rate = self._rate_for(pa, index)
            wanted = math.ceil(frames * rate / self.rate)
            block = max(1, self.block_frames * rate // self.rate)
            stream = pa.open(format=pyaudio.paInt16, channels=1, rate=rate, input=True,
                             input_device_index=index, frames_per_buffer=block)
            chunks, got = [], 0
            deadline = time.monotonic() + wanted / rate * 2 + 5
            while got < wanted:  # bounded: by count, and in time should the device stop delivering
                data = stream.read(min(block, wanted - got), exception_on_overflow=False)
                chunks.append(data)
                got += len(data) // 2
                if time.monotonic() > deadline:
                    raise MicrophoneError(f"the microphone delivered {got} of {wanted} frames, then stopped")
            pcm = b"".join(chunks)[:wanted * 2]
        except (OSError, ValueError) as exc:  # PortAudio's errors: no input device, device gone, format refused
            raise MicrophoneError(f"cannot record: {exc}") from None
        finally:
            for action in ((stream.stop_stream, stream.close) if stream is not None else ()) + (pa.terminate,):
                try:
                    action()
                except Exception:  # noqa: BLE001 - a broken device must still be let go
                    pass
        return pcm if rate == self.rate else resample(pcm, rate, self.rate)[:frames * 2]


def resample(pcm: bytes, from_rate: int, to_rate: int) -> bytes:
    """16-bit mono ``pcm`` from one rate to another: a box filter as wide as the step (no aliasing of speech's
    upper band into it), then linear interpolation. Enough for a spoken reply; not for music."""
    import numpy as np

    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    if from_rate > to_rate:
        width = max(1, round(from_rate / to_rate))
        x = np.convolve(x, np.ones(width) / width, mode="same")
    n = int(len(x) * to_rate / from_rate)
    y = np.interp(np.arange(n) * from_rate / to_rate, np.arange(len(x)), x)
    return np.clip(np.round(y), -32768, 32767).astype("<i2").tobytes()


class NoMicrophone(Microphone):
    """A board without one: every recording is refused, so nothing pretends a child was heard."""

    name = "none"

    def _capture(self, frames: int) -> bytes:
        raise MicrophoneError("this board has no microphone")


def create_microphone(backend: str = "simulated", device: str | None = None,
                      max_seconds: float = MAX_SECONDS) -> Microphone:
    if backend == "simulated":
        return SimulatedMicrophone(max_seconds=max_seconds)
    if backend == "pyaudio":
        return PyAudioMicrophone(device, max_seconds=max_seconds)
    if backend == "none":
        return NoMicrophone(max_seconds=max_seconds)
    raise ValueError(f"microphone backend must be 'pyaudio', 'simulated' or 'none', not {backend!r}")

