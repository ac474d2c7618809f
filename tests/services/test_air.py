"""Air bands: the thresholds from GB/T 18883-2022 and GB 7793-2010, and the advice shown with them."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from edge.services.air import FAIR, GOOD, POOR, Band, band_for, worst


@pytest.mark.parametrize("quantity, value, level", [
    ("co2_ppm", 450, GOOD), ("co2_ppm", 1000, GOOD), ("co2_ppm", 1001, FAIR), ("co2_ppm", 1500, FAIR),
    ("co2_ppm", 2400, POOR), ("temperature_c", 22, GOOD), ("temperature_c", 17, FAIR), ("temperature_c", 27, FAIR),
    ("temperature_c", 12, POOR), ("temperature_c", 31, POOR), ("humidity_pct", 50, GOOD),
    ("humidity_pct", 25, FAIR), ("humidity_pct", 10, POOR), ("humidity_pct", 75, FAIR), ("humidity_pct", 90, POOR),
    ("lux", 500, GOOD), ("lux", 200, FAIR), ("lux", 20, POOR)])
def test_bands(quantity, value, level):
    assert band_for(quantity, value).level == level


def test_co2_advice_says_open_the_windows():
    band = band_for("co2_ppm", 1290)
    assert band.advice_zh == "请开窗通风" and band.advice_en


def test_unknown_quantity_has_no_band():
    assert band_for("pm10_ugm3", 80) is None


def test_worst_band_wins_and_empty_is_good():
    assert worst([Band(GOOD), Band(POOR, "x"), Band(FAIR, "y")]).level == POOR
    assert worst([]).level == GOOD


@given(st.sampled_from(["co2_ppm", "temperature_c", "humidity_pct", "lux"]),
       st.floats(min_value=-50, max_value=50_000, allow_nan=False))
def test_every_value_gets_a_level_and_non_good_levels_give_advice(quantity, value):
    band = band_for(quantity, value)
    assert band.level in (GOOD, FAIR, POOR)
    assert (band.level == GOOD) == (band.advice_zh == "")
