"""Sound out: PyAudio (PortAudio over ALSA/PulseAudio/PipeWire) or a simulated output, and a priority mixer."""
from __future__ import annotations

from .clips import Clip, ClipError, load_clip, synthesize, tone
from .mixer import Mixer, Playback, LiveStream, Priority
from .outputs import AudioOutput, PyAudioOutput, SimulatedOutput, create_output, list_devices

__all__ = ["AudioOutput", "Clip", "ClipError", "LiveStream", "Mixer", "Playback", "Priority", "PyAudioOutput",
           "SimulatedOutput", "create_output", "list_devices", "load_clip", "synthesize", "tone"]
