"""Opening the drivers the board config names (simulated ones on a laptop)."""
from __future__ import annotations

import logging

from drivers.sensors import Sensor, create_sensor

from .config import BoardConfig, SensorEntry

log = logging.getLogger(__name__)


def open_sensors(config: BoardConfig) -> list[tuple[SensorEntry, Sensor]]:
    opened, names = [], set()
    for entry in config.sensors:
        name = entry.kind if entry.kind not in names else f"{entry.kind}-{len(names)}"
        names.add(name)
        try:
            sensor = create_sensor(entry.kind, entry.backend, bus=entry.bus, address=entry.address,
                                   port=entry.port, pin=entry.pin, name=name)
        except Exception as exc:  # a missing library or device must not stop the board
            log.error("sensor %s (%s) cannot be opened: %s", name, entry.backend, exc)
            continue
        opened.append((entry, sensor))
    return opened


def open_display(config: BoardConfig):
    from drivers.display import create_display

    try:
        return create_display(config.drivers.display)
    except Exception as exc:
        log.error("display backend %s cannot be opened (%s); using the simulated one", config.drivers.display, exc)
        return create_display("simulated")
