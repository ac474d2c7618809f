"""Sound out and in: PyAudio (PortAudio over ALSA/PulseAudio/PipeWire) or simulated; a priority mixer; a microphone."""
from __future__ import annotations

from .clips import Clip, ClipError, load_clip, synthesize, tone
from .inputs import Microphone, MicrophoneError, PyAudioMicrophone, SimulatedMicrophone, create_microphone
from .mixer import Mixer, Playback, LiveStream, Priority
from .outputs import AudioOutput, PyAudioOutput, SimulatedOutput, create_output, list_devices

__all__ = ["AudioOutput", "Clip", "ClipError", "LiveStream", "Microphone", "MicrophoneError", "Mixer", "Playback",
           "Priority", "PyAudioMicrophone", "PyAudioOutput", "SimulatedMicrophone", "SimulatedOutput",
           "create_microphone", "create_output", "list_devices", "load_clip", "synthesize", "tone"]
