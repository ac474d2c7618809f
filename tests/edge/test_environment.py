from dataclasses import dataclass, field
from datetime import timedelta

from edge.environment import FanRule, RoomAir
from edge.store import models as m


@dataclass
class Reading:
    quantities: dict
    status: str = "ok"
    error: str = ""


@dataclass
class ScriptedSensor:
    name: str
    script: list = field(default_factory=list)

    def read(self):
        item = self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


class Relay:
    def __init__(self):
        self.calls = []

    def on(self):
        self.calls.append("on")

    def off(self):
        self.calls.append("off")


def test_readings_are_stored_and_faults_never_escape(board):
    co2 = ScriptedSensor("scd4x", [Reading({"co2_ppm": 800.0, "temperature_c": 22.1}),
                                   Reading({}, "faulty", "CRC mismatch"), RuntimeError("bus gone")])
    air = RoomAir(board.db, board.clock, [co2])
    assert air.poll("scd4x").status == "ok"
    assert air.latest() == {"co2_ppm": 800.0, "temperature_c": 22.1}
    assert air.poll("scd4x").status == "faulty" and "CRC" in air.faults()["scd4x"]
    state = air.poll("scd4x")
    assert state.status == "faulty" and "bus gone" in state.error
    assert m.SensorReading.select().count() == 0  # gathered, written a few minutes at a time (SD-card life)
    from edge.environment import latest_readings
    assert latest_readings(board.clock.now())["co2_ppm"][0] == 800.0  # the screen sees them before the write
    assert air.flush() == 2 and m.SensorReading.select().count() == 2


def test_readings_are_written_in_one_transaction_every_few_minutes(board, clock):
    co2 = ScriptedSensor("scd4x", [Reading({"co2_ppm": 700.0 + i}) for i in range(12)])
    air = RoomAir(board.db, board.clock, [co2])
    for _ in range(12):  # every 30 s for 6 minutes
        air.poll("scd4x")
        clock.advance(30)
    assert m.SensorReading.select().count() == 11  # one flush at 5 minutes, not one per poll
    air.series("co2_ppm")  # readers see everything
    assert m.SensorReading.select().count() == 12


def test_fan_rule_has_hysteresis(board):
    relay = Relay()
    levels = [800, 1300, 1100, 950, 850, 1250]
    co2 = ScriptedSensor("scd4x", [Reading({"co2_ppm": float(x)}) for x in levels])
    air = RoomAir(board.db, board.clock, [co2], fan=FanRule(relay))
    for _ in levels:
        air.poll("scd4x")
    assert relay.calls == ["on", "off", "on"]


def test_history_is_folded_hourly_and_kept_in_budget(board, clock):
    sensor = ScriptedSensor("bme280", [Reading({"temperature_c": 20.0 + (i % 2)}) for i in range(4 * 60)])
    air = RoomAir(board.db, board.clock, [sensor], row_budget=100)
    start = clock.now()
    for _ in range(4 * 60):  # four hours at one reading a minute
        air.poll("bme280")
        clock.advance(60)
    assert air.compact() == 0  # nothing older than 48 h yet
    assert m.SensorReading.select().count() == 100  # but the row budget holds
    clock.advance(3 * 24 * 3600)
    air.compact()
    hourly = list(m.SensorReading.select().where(m.SensorReading.span_s == 3600))
    assert hourly and all(abs(h.value - 20.5) < 0.6 for h in hourly)
    summary = air.hourly_summary(start, clock.now())
    assert summary["temperature_c"]["min"] >= 20.0 and summary["temperature_c"]["max"] <= 21.0
    assert air.series("temperature_c", hours=24) == []  # all older than a day now
