"""Room sensors behind one small interface, each with a real backend and a simulated one."""
from __future__ import annotations

from .base import Reading, Sensor, SensorFault, SMBusTransport

DEFAULT_ADDRESSES = {"bme280": 0x76, "sht31": 0x44, "sht4x": 0x44, "scd4x": 0x62, "scd30": 0x61, "bh1750": 0x23}


def create_sensor(kind: str, backend: str = "simulated", *, bus: int | object = 1, address: int = 0,
                  port: str | object = "", pin: int = 0, name: str | None = None, pin_factory=None) -> Sensor:
    """``backend`` is ``simulated`` or ``real``; a real I2C chip takes ``bus`` (number or SMBus-like object)."""
    if backend == "simulated":
        from .simulated import SimulatedSensor
        return SimulatedSensor(kind, name=name or kind)
    if backend != "real":
        raise ValueError(f"sensor backend must be 'simulated' or 'real', not {backend!r}")
    if kind in DEFAULT_ADDRESSES:
        from .bosch import BH1750, BME280
        from .sensirion import SCD30, SHT31, SCD4x, SHT4x
        cls = {"bme280": BME280, "bh1750": BH1750, "sht31": SHT31, "sht4x": SHT4x, "scd4x": SCD4x,
               "scd30": SCD30}[kind]
        return cls(SMBusTransport(bus, address or DEFAULT_ADDRESSES[kind]), name=name or kind)
    if kind == "pms5003":
        from .plantower import PMS5003
        return PMS5003(port or "/dev/serial0", name=name or kind)
    if kind == "pir":
        from .motion import PIR
        return PIR(pin or 17, pin_factory=pin_factory, name=name or kind)
    raise ValueError(f"unknown sensor kind {kind!r}")


__all__ = ["Reading", "Sensor", "SensorFault", "SMBusTransport", "create_sensor"]
