"""Occupancy from a PIR sensor through gpiozero (MockFactory in tests, lgpio on a Pi)."""
from __future__ import annotations

from .base import Sensor


class PIR(Sensor):
    kind = "pir"

    def __init__(self, pin: int, pin_factory=None, **kw) -> None:
        super().__init__(**kw)
        from gpiozero import MotionSensor

        self.device = MotionSensor(pin, pin_factory=pin_factory, queue_len=1, sample_rate=10)

    def measure(self) -> dict[str, float]:
        return {"occupied": 1.0 if self.device.motion_detected else 0.0}

    def when_motion(self, callback) -> None:
        self.device.when_motion = callback

    def close(self) -> None:
        self.device.close()
