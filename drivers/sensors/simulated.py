"""Plausible classroom readings without hardware: CO2 rises while a class is in, falls in breaks."""
from __future__ import annotations

import math
import random
import time
from typing import Callable

from .base import Sensor

BASE = {"temperature_c": 22.0, "humidity_pct": 55.0, "pressure_hpa": 1009.0, "co2_ppm": 600.0, "lux": 420.0,
        "pm1_0_ugm3": 8.0, "pm2_5_ugm3": 18.0, "pm10_ugm3": 30.0, "occupied": 1.0}
QUANTITIES = {"bme280": ("temperature_c", "humidity_pct", "pressure_hpa"), "sht31": ("temperature_c", "humidity_pct"),
              "sht4x": ("temperature_c", "humidity_pct"), "scd4x": ("co2_ppm", "temperature_c", "humidity_pct"),
              "scd30": ("co2_ppm", "temperature_c", "humidity_pct"), "bh1750": ("lux",),
              "pms5003": ("pm1_0_ugm3", "pm2_5_ugm3", "pm10_ugm3"), "pir": ("occupied",)}


class SimulatedSensor(Sensor):
    def __init__(self, kind: str, seed: int = 1, now: Callable[[], float] = time.time, **kw) -> None:
        super().__init__(**kw)
        self.kind = kind
        self.name = kw.get("name") or kind
        self.quantities = QUANTITIES[kind]
        self.rng = random.Random(seed)
        self.now = now

    def measure(self) -> dict[str, float]:
        t = self.now()
        minute_of_hour = (t / 60) % 60
        in_lesson = minute_of_hour < 45
        out = {}
        for q in self.quantities:
            value = BASE[q]
            if q == "co2_ppm":
                value += (minute_of_hour * 14 if in_lesson else (60 - minute_of_hour) * 30) + self.rng.uniform(-15, 15)
            elif q == "temperature_c":
                value += 1.5 * math.sin(t / 7200) + self.rng.uniform(-0.1, 0.1)
            elif q == "occupied":
                value = 1.0 if in_lesson else float(self.rng.random() < 0.3)
            else:
                value *= 1 + self.rng.uniform(-0.03, 0.03)
            out[q] = round(value, 2)
        return out
