"""Where mixed sound goes: a PortAudio stream, or a simulated sink that keeps what it was given."""
from __future__ import annotations

import threading
import time


class AudioOutput:
    """Mono signed 16-bit frames at ``rate``; ``write`` blocks roughly for the time the frames take."""

    name = "output"

    def __init__(self, rate: int = 48000) -> None:
        self.rate = rate

    def write(self, frames: bytes) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class SimulatedOutput(AudioOutput):
    """Keeps every block with the monotonic time it was written, so tests can read back what played."""

    name = "simulated"

    def __init__(self, rate: int = 48000, realtime: bool = False) -> None:
        super().__init__(rate)
        self.blocks: list[tuple[float, bytes]] = []
        self.realtime = realtime
        self._lock = threading.Lock()

    def write(self, frames: bytes) -> None:
        with self._lock:
            self.blocks.append((time.monotonic(), frames))
        if self.realtime:
            time.sleep(len(frames) / 2 / self.rate)

    def samples(self):
        import numpy as np
        with self._lock:
            return np.frombuffer(b"".join(b for _, b in self.blocks), dtype="<i2")


class PyAudioOutput(AudioOutput):
    name = "pyaudio"

    def __init__(self, rate: int = 48000, device: str | int | None = None, block_frames: int = 960) -> None:
        super().__init__(rate)
        self.device, self.block_frames = device, block_frames
        self._pa = self._stream = None

    def _open(self) -> None:
        import pyaudio

        self._pa = pyaudio.PyAudio()
        try:
            index = device_index(self._pa, self.device, "output")
        except OSError:
            self._pa.terminate()
            self._pa = None
            raise
        self._stream = self._pa.open(format=pyaudio.paInt16, channels=1, rate=self.rate, output=True,
                                     output_device_index=index, frames_per_buffer=self.block_frames)

    def write(self, frames: bytes) -> None:
        if self._stream is None:
            self._open()
        self._stream.write(frames)

    def close(self) -> None:
        stream, pa, self._stream, self._pa = self._stream, self._pa, None, None
        for action in ((stream.stop_stream, stream.close) if stream is not None else ()) + \
                ((pa.terminate,) if pa is not None else ()):
            try:
                action()
            except Exception:  # noqa: BLE001 - a broken device must still let go, so it can be reopened
                pass


def device_index(pa, device: str | int | None, direction: str) -> int | None:
    """PortAudio's index for ``device`` (an index, or part of a name, case-insensitive) that has ``direction``
    ("output" or "input") channels; None: the default device. ``OSError`` when no device matches."""
    if isinstance(device, int) or (isinstance(device, str) and device.isdigit()):
        return int(device)
    if not device:
        return None
    channels = "maxOutputChannels" if direction == "output" else "maxInputChannels"
    for i in range(pa.get_device_count()):
        info = pa.get_device_info_by_index(i)
        if device.lower() in info["name"].lower() and info[channels] > 0:
            return i
    raise OSError(f"no audio {direction} device matching {device!r}")


class NullOutput(AudioOutput):
    """A board without a speaker (``drivers.audio = "none"``): sound takes its time and goes nowhere."""

    name = "none"

    def write(self, frames: bytes) -> None:
        time.sleep(len(frames) / 2 / self.rate)  # paced, so a looping alarm never spins a core


def create_output(backend: str = "simulated", device: str | None = None, rate: int = 48000) -> AudioOutput:
    if backend == "simulated":
        return SimulatedOutput(rate, realtime=True)
    if backend == "pyaudio":
        return PyAudioOutput(rate, device)
    if backend == "none":
        return NullOutput(rate)
    raise ValueError(f"audio backend must be 'pyaudio', 'simulated' or 'none', not {backend!r}")


def list_devices() -> list[dict]:
    import pyaudio

    pa = pyaudio.PyAudio()
    try:
        return [{"index": i, "name": pa.get_device_info_by_index(i)["name"],
                 "outputs": pa.get_device_info_by_index(i)["maxOutputChannels"]}
                for i in range(pa.get_device_count())]
    finally:
        pa.terminate()
