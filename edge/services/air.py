"""Colour bands and advice for the room's air, from the national classroom standards.

CO2: GB/T 18883-2022 indoor air quality, daily mean ≤ 0.10 % (1000 ppm).
Temperature and humidity: GB/T 18883-2022 comfort ranges (heating season
16–24 °C, cooling season 22–28 °C; humidity 30–60 % winter, 40–80 % summer);
the bands below use a year-round classroom compromise.
Illuminance: GB 7793-2010 classroom desks ≥ 300 lx (average).
"""
from __future__ import annotations

from dataclasses import dataclass

GOOD, FAIR, POOR = "good", "fair", "poor"


@dataclass(frozen=True)
class Band:
    level: str  # good | fair | poor
    advice_zh: str = ""
    advice_en: str = ""


def co2_band(ppm: float) -> Band:
    if ppm <= 1000:
        return Band(GOOD)
    if ppm <= 1500:
        return Band(FAIR, "请开窗通风", "Please open the windows")
    return Band(POOR, "二氧化碳偏高，请立即开窗通风", "CO₂ is high: ventilate now")


def temperature_band(celsius: float) -> Band:
    if 18 <= celsius <= 26:
        return Band(GOOD)
    if 16 <= celsius < 18:
        return Band(FAIR, "室温偏低，注意保暖", "A little cold: keep warm")
    if 26 < celsius <= 28:
        return Band(FAIR, "室温偏高，注意通风降温", "A little warm: ventilate")
    return Band(POOR, "室温不适宜，请调节空调", "Uncomfortable temperature: adjust the air conditioning",)


def humidity_band(percent: float) -> Band:
    if 30 <= percent <= 70:
        return Band(GOOD)
    if percent < 30:
        return Band(FAIR if percent >= 20 else POOR, "空气干燥，注意补水", "Dry air: drink water")
    return Band(FAIR if percent <= 80 else POOR, "湿度偏高，注意除湿", "Humid: dehumidify")


def lux_band(lux: float) -> Band:
    if lux >= 300:
        return Band(GOOD)
    return Band(FAIR if lux >= 150 else POOR, "光线不足，请开灯", "Too dark for reading: turn on the lights")


BANDS = {"co2_ppm": co2_band, "temperature_c": temperature_band, "humidity_pct": humidity_band, "lux": lux_band}


def band_for(quantity: str, value: float) -> Band | None:
    rule = BANDS.get(quantity)
    return rule(value) if rule else None


def worst(bands: list[Band]) -> Band:
    order = {GOOD: 0, FAIR: 1, POOR: 2}
    return max(bands, key=lambda b: order[b.level], default=Band(GOOD))
