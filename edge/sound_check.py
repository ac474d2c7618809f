"""`classboard sound test`: a one-second 1 kHz tone, then a spoken sentence, through the chosen output."""
from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class SpeakerTest:
    backend: str
    device: str | None
    steps: list[str] = field(default_factory=list)
    ok: bool = True

    def summary(self) -> str:
        verdict = "通过 / passed" if self.ok else "失败 / FAILED"
        return f"speaker test on {self.backend}{' (' + self.device + ')' if self.device else ''}: {verdict}\n  " + \
            "\n  ".join(self.steps)


def speaker_test(backend: str, device: str | None, sentence: str, timeout_s: float = 30.0) -> SpeakerTest:
    from drivers.audio import ClipError, Mixer, Priority, create_output, synthesize, tone

    result = SpeakerTest(backend, device)
    try:
        mixer = Mixer(create_output(backend, device))
    except ValueError as exc:
        result.ok, result.steps = False, [str(exc)]
        return result
    try:
        pieces = [("1 kHz tone, 1 s", tone(1000, 1.0, mixer.rate))]
        try:
            pieces.append((f"speech: {sentence}", synthesize(sentence, mixer.rate)))
        except ClipError as exc:
            result.ok = False
            result.steps.append(f"speech unavailable: {exc}")
        for label, clip in pieces:
            playback = mixer.play(clip, Priority.MEDIA)
            deadline = time.monotonic() + timeout_s
            while not playback.done.is_set() and time.monotonic() < deadline:
                mixer.render()
            result.steps.append(f"played {label}" if playback.done.is_set() else f"timed out: {label}")
            result.ok &= playback.done.is_set()
    except OSError as exc:
        result.ok = False
        result.steps.append(f"audio output failed: {exc}")
    finally:
        mixer.output.close()
    return result
