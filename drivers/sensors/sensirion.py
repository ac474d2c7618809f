"""Sensirion chips over I2C: SHT31 and SHT4x (temperature, humidity), SCD4x and SCD30 (CO2).

Commands, timings and conversions follow the datasheets; every word is CRC-checked.
"""
from __future__ import annotations

import struct

from .base import I2CTransport, Sensor, SensorFault, sensirion_command, sensirion_words


def _t(raw: int) -> float:
    return -45 + 175 * raw / 65535


class SHT31(Sensor):
    kind = "sht31"
    MEASURE_HIGH = 0x2400  # single shot, high repeatability, no clock stretching

    def __init__(self, transport: I2CTransport, **kw) -> None:
        super().__init__(**kw)
        self.i2c = transport

    def measure(self) -> dict[str, float]:
        self.i2c.write(sensirion_command(self.MEASURE_HIGH))
        self.sleep(0.016)
        t_raw, rh_raw = sensirion_words(self.i2c.read(6), 2, self.kind)
        return {"temperature_c": round(_t(t_raw), 2), "humidity_pct": round(100 * rh_raw / 65535, 2)}


class SHT4x(Sensor):
    kind = "sht4x"
    MEASURE_HIGH = 0xFD  # high precision, no heater

    def __init__(self, transport: I2CTransport, **kw) -> None:
        super().__init__(**kw)
        self.i2c = transport

    def measure(self) -> dict[str, float]:
        self.i2c.write(bytes([self.MEASURE_HIGH]))
        self.sleep(0.01)
        t_raw, rh_raw = sensirion_words(self.i2c.read(6), 2, self.kind)
        humidity = min(100.0, max(0.0, -6 + 125 * rh_raw / 65535))
        return {"temperature_c": round(_t(t_raw), 2), "humidity_pct": round(humidity, 2)}


class SCD4x(Sensor):
    kind = "scd4x"
    START_PERIODIC = 0x21B1
    READ_MEASUREMENT = 0xEC05
    DATA_READY = 0xE4B8

    def __init__(self, transport: I2CTransport, **kw) -> None:
        super().__init__(**kw)
        self.i2c = transport
        self.started = False

    def _command(self, command: int, reply_words: int = 0, wait: float = 0.001) -> list[int]:
        self.i2c.write(sensirion_command(command))
        self.sleep(wait)
        return sensirion_words(self.i2c.read(3 * reply_words), reply_words, self.kind) if reply_words else []

    def measure(self) -> dict[str, float]:
        if not self.started:
            self._command(self.START_PERIODIC)
            self.started = True
        (ready,) = self._command(self.DATA_READY, 1)
        if ready & 0x07FF == 0:
            raise SensorFault("scd4x: no new measurement yet (the chip measures every 5 s)")
        co2, t_raw, rh_raw = self._command(self.READ_MEASUREMENT, 3)
        return {"co2_ppm": float(co2), "temperature_c": round(_t(t_raw), 2),
                "humidity_pct": round(100 * rh_raw / 65535, 2)}


class SCD30(Sensor):
    kind = "scd30"
    START_CONTINUOUS = 0x0010
    DATA_READY = 0x0202
    READ_MEASUREMENT = 0x0300

    def __init__(self, transport: I2CTransport, **kw) -> None:
        super().__init__(**kw)
        self.i2c = transport
        self.started = False

    def _read(self, command: int, words: int) -> list[int]:
        self.i2c.write(sensirion_command(command))
        self.sleep(0.003)
        return sensirion_words(self.i2c.read(3 * words), words, self.kind)

    def measure(self) -> dict[str, float]:
        if not self.started:
            self.i2c.write(sensirion_command(self.START_CONTINUOUS, 0))  # 0: no pressure compensation
            self.started = True
        if self._read(self.DATA_READY, 1)[0] != 1:
            raise SensorFault("scd30: no new measurement yet")
        words = self._read(self.READ_MEASUREMENT, 6)
        co2, temp, hum = (struct.unpack(">f", struct.pack(">HH", words[i], words[i + 1]))[0] for i in (0, 2, 4))
        return {"co2_ppm": round(co2, 1), "temperature_c": round(temp, 2), "humidity_pct": round(hum, 2)}
