"""Sanity checks a reading must pass before it is believed: physical range, and stuck-at values."""
from __future__ import annotations

from collections import defaultdict, deque

from .base import Reading

RANGES = {"temperature_c": (-40.0, 85.0), "humidity_pct": (0.0, 100.0), "pressure_hpa": (300.0, 1100.0),
          "co2_ppm": (250.0, 40000.0), "lux": (0.0, 120000.0), "pm1_0_ugm3": (0.0, 1000.0),
          "pm2_5_ugm3": (0.0, 1000.0), "pm10_ugm3": (0.0, 1000.0), "occupied": (0.0, 1.0)}
STUCK_EXEMPT = {"occupied"}  # an empty room really does read 0 for hours


class Validator:
    """Marks a reading faulty when a value is impossible or has not changed for ``stuck_after`` reads."""

    def __init__(self, stuck_after: int = 30) -> None:
        self.stuck_after = stuck_after
        self.history: dict[str, deque] = defaultdict(lambda: deque(maxlen=stuck_after))

    def check(self, sensor: str, reading: Reading) -> Reading:
        if reading.status != "ok":
            return reading
        for quantity, value in reading.quantities.items():
            low, high = RANGES.get(quantity, (float("-inf"), float("inf")))
            if not low <= value <= high:
                return Reading(status="faulty", error=f"{sensor}: {quantity} = {value} is outside {low}..{high}")
            if quantity in STUCK_EXEMPT:
                continue
            seen = self.history[f"{sensor}.{quantity}"]
            seen.append(value)
            if len(seen) == self.stuck_after and len(set(seen)) == 1:
                return Reading(status="faulty", error=f"{sensor}: {quantity} stuck at {value} "
                                                      f"for {self.stuck_after} readings")
        return reading
