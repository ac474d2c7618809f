"""The room's air: polling sensors, keeping history in a fixed budget, the fan rule.

Every reading is stored as it comes (full rate for 48 h), then folded into
hourly means kept for a year, and the table is capped to a row budget so SD
card writes and size stay bounded. A failing sensor is marked and reported;
it never stops the board.
"""
from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from peewee import fn

from .clock import Clock, utc
from .store import models as m

log = logging.getLogger(__name__)
FULL_RATE_FOR = timedelta(hours=48)
KEEP_HOURLY_FOR = timedelta(days=366)
ROW_BUDGET = 400_000  # ≈ 25 MB on disk at ~60 B/row


class SensorLike(Protocol):
    name: str

    def read(self) -> Any:
        """Returns a reading with ``quantities`` (dict), ``status`` and ``error``."""


class RelayLike(Protocol):
    def on(self) -> None: ...
    def off(self) -> None: ...


@dataclass
class SensorState:
    status: str = "absent"  # ok | faulty | absent
    error: str = ""
    last_at: datetime | None = None
    values: dict[str, float] = field(default_factory=dict)


@dataclass
class FanRule:
    """CO2 high → fresh-air fan on, with hysteresis so it does not chatter."""

    relay: RelayLike
    on_above_ppm: float = 1200
    off_below_ppm: float = 900
    running: bool = False

    def update(self, co2_ppm: float) -> None:
        if not self.running and co2_ppm > self.on_above_ppm:
            self.relay.on()
            self.running = True
        elif self.running and co2_ppm < self.off_below_ppm:
            self.relay.off()
            self.running = False


FLUSH_EVERY = timedelta(minutes=5)
FLUSH_ROWS = 500
_LIVE: "weakref.WeakSet[RoomAir]" = weakref.WeakSet()  # this process's monitors, for their unwritten readings


class RoomAir:
    def __init__(self, db, clock: Clock, sensors: list[SensorLike], fan: FanRule | None = None,
                 row_budget: int = ROW_BUDGET) -> None:
        self.db, self.clock, self.sensors, self.fan = db, clock, {s.name: s for s in sensors}, fan
        self.state = {name: SensorState() for name in self.sensors}
        self.row_budget = row_budget
        self.pending: list[dict[str, Any]] = []  # readings not yet written (see flush)
        self.pending_since: datetime | None = None
        _LIVE.add(self)

    def poll(self, name: str) -> SensorState:
        """Read one sensor and store what it said; never raises for a sensor's fault."""
        state = self.state[name]
        try:
            reading = self.sensors[name].read()
            status, error, values = reading.status, reading.error or "", dict(reading.quantities)
        except Exception as exc:  # a driver bug is a faulty sensor, not a dead board
            status, error, values = "faulty", f"{type(exc).__name__}: {exc}", {}
        now = utc(self.clock.now())
        state.status, state.error, state.last_at = status, error, now
        if status != "ok":
            log.warning("sensor %s is %s: %s", name, status, error)
            return state
        state.values = values
        stamp = now.replace(tzinfo=None)
        self.pending += [{"at": stamp, "sensor": name, "quantity": q, "value": float(v)} for q, v in values.items()]
        self.pending_since = self.pending_since or now
        if now - self.pending_since >= FLUSH_EVERY or len(self.pending) >= FLUSH_ROWS:
            self.flush()
        if self.fan is not None and "co2_ppm" in values:
            self.fan.update(values["co2_ppm"])
        return state

    def flush(self) -> int:
        """Write the readings gathered so far in one transaction.

        One commit per poll cost about 2.9 MB/h of SD-card writes for two
        sensors (two 4 KB WAL frames and an fsync each time); one commit every
        few minutes costs a fraction of that. At worst a power cut loses the
        last few minutes of sensor history, never a usage or attendance record.
        """
        rows, self.pending, self.pending_since = self.pending, [], None
        if rows:
            with self.db.atomic():
                for start in range(0, len(rows), 300):
                    m.SensorReading.insert_many(rows[start:start + 300]).execute()
        return len(rows)

    def latest(self) -> dict[str, float]:
        """The newest value of each quantity over all healthy sensors."""
        merged: dict[str, float] = {}
        for state in self.state.values():
            if state.status == "ok":
                merged.update(state.values)
        return merged

    def faults(self) -> dict[str, str]:
        return {n: f"{s.status}: {s.error}" for n, s in self.state.items() if s.status != "ok"}

    def compact(self) -> int:
        """Fold raw readings older than 48 h into hourly means; drop what is past a year or over budget."""
        self.flush()
        now = utc(self.clock.now()).replace(tzinfo=None)
        cutoff = (now - FULL_RATE_FOR).replace(minute=0, second=0, microsecond=0)
        r = m.SensorReading
        hour = fn.strftime("%Y-%m-%d %H:00:00", r.at)
        with self.db.atomic():
            groups = list(r.select(hour.alias("hour"), r.sensor, r.quantity, fn.AVG(r.value).alias("mean"))
                          .where((r.span_s == 0) & (r.at < cutoff)).group_by(hour, r.sensor, r.quantity).dicts())
            if groups:
                r.insert_many([{"at": datetime.fromisoformat(g["hour"]), "sensor": g["sensor"],
                                "quantity": g["quantity"], "value": round(g["mean"], 2), "span_s": 3600}
                               for g in groups]).execute()
            folded = r.delete().where((r.span_s == 0) & (r.at < cutoff)).execute()
            r.delete().where(r.at < now - KEEP_HOURLY_FOR).execute()
            excess = r.select().count() - self.row_budget
            if excess > 0:
                oldest = r.select(r.id).order_by(r.at).limit(excess)
                r.delete().where(r.id.in_(oldest)).execute()
        return folded

    def hourly_summary(self, start: datetime, end: datetime) -> dict[str, dict[str, float]]:
        """Min/mean/max per quantity over [start, end): what goes up to the hub."""
        self.flush()
        r = m.SensorReading
        rows = (r.select(r.quantity, fn.MIN(r.value).alias("min"), fn.AVG(r.value).alias("mean"),
                         fn.MAX(r.value).alias("max"), fn.COUNT(r.id).alias("n"))
                .where((r.at >= utc(start).replace(tzinfo=None)) & (r.at < utc(end).replace(tzinfo=None)))
                .group_by(r.quantity).dicts())
        return {row["quantity"]: {"min": round(row["min"], 2), "mean": round(row["mean"], 2),
                                  "max": round(row["max"], 2), "n": row["n"]} for row in rows}

    def series(self, quantity: str, hours: int = 24) -> list[tuple[datetime, float]]:
        self.flush()
        since = utc(self.clock.now()).replace(tzinfo=None) - timedelta(hours=hours)
        r = m.SensorReading
        return [(utc(x.at), x.value) for x in r.select(r.at, r.value)
                .where((r.quantity == quantity) & (r.at >= since)).order_by(r.at)]


def latest_readings(now: datetime, max_age: timedelta = timedelta(minutes=30)) -> dict[str, tuple[float, datetime]]:
    """The newest stored value of each quantity, if recent: what the screen shows (any process may ask)."""
    since = utc(now).replace(tzinfo=None) - max_age
    r = m.SensorReading
    newest = (r.select(r.quantity, fn.MAX(r.at).alias("at")).where((r.at >= since) & (r.span_s == 0))
              .group_by(r.quantity))
    out = {}
    for row in newest.dicts():
        value = r.select(r.value).where((r.quantity == row["quantity"]) & (r.at == row["at"])).scalar()
        at = row["at"] if isinstance(row["at"], datetime) else datetime.fromisoformat(str(row["at"]))
        out[row["quantity"]] = (value, utc(at))
    for air in list(_LIVE):  # readings of this process not written yet are newer than any stored one
        for row in air.pending:
            at = utc(row["at"])
            if at >= utc(since) and (row["quantity"] not in out or at >= out[row["quantity"]][1]):
                out[row["quantity"]] = (row["value"], at)
    return out
