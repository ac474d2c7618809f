"""What every sensor driver gives back, and the transports real chips are reached through."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class Reading:
    quantities: dict[str, float] = field(default_factory=dict)
    status: str = "ok"  # ok | faulty | absent
    error: str = ""


class SensorFault(Exception):
    """The chip answered, but not sensibly (bad CRC, not ready, out of range)."""


class I2CTransport(Protocol):
    def write(self, data: bytes) -> None: ...
    def read(self, length: int) -> bytes: ...
    def read_register(self, register: int, length: int) -> bytes: ...
    def write_register(self, register: int, value: int) -> None: ...


class SMBusTransport:
    """One chip on a Linux I2C bus, through smbus2; opened on first use, never at import."""

    def __init__(self, bus: int | object, address: int) -> None:
        self.address = address
        self._bus_spec = bus
        self._bus = None

    @property
    def bus(self):
        if self._bus is None:
            if isinstance(self._bus_spec, int):
                from smbus2 import SMBus
                self._bus = SMBus(self._bus_spec)
            else:
                self._bus = self._bus_spec
        return self._bus

    def write(self, data: bytes) -> None:
        from smbus2 import i2c_msg
        self.bus.i2c_rdwr(i2c_msg.write(self.address, list(data)))

    def read(self, length: int) -> bytes:
        from smbus2 import i2c_msg
        msg = i2c_msg.read(self.address, length)
        self.bus.i2c_rdwr(msg)
        return bytes(msg)

    def read_register(self, register: int, length: int) -> bytes:
        return bytes(self.bus.read_i2c_block_data(self.address, register, length))

    def write_register(self, register: int, value: int) -> None:
        self.bus.write_byte_data(self.address, register, value)


class Sensor:
    """A chip that measures; ``read`` never raises: a broken chip is a faulty Reading."""

    kind = "sensor"

    def __init__(self, name: str | None = None, sleep=time.sleep) -> None:
        self.name = name or self.kind
        self.sleep = sleep

    def measure(self) -> dict[str, float]:
        raise NotImplementedError

    def read(self) -> Reading:
        try:
            return Reading(self.measure())
        except SensorFault as exc:
            return Reading(status="faulty", error=str(exc))
        except OSError as exc:  # no ACK on the bus, serial port gone: the chip is not there
            return Reading(status="absent", error=f"{type(exc).__name__}: {exc}")


def sensirion_crc(data: bytes) -> int:
    """CRC-8 used by Sensirion chips: polynomial 0x31, init 0xFF, no reflection, no final XOR."""
    crc = 0xFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x31) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def sensirion_words(raw: bytes, count: int, chip: str) -> list[int]:
    """Split 3-byte groups (word + CRC) and check each CRC."""
    if len(raw) != 3 * count:
        raise SensorFault(f"{chip}: expected {3 * count} bytes, got {len(raw)}")
    words = []
    for i in range(count):
        chunk = raw[3 * i: 3 * i + 3]
        if sensirion_crc(chunk[:2]) != chunk[2]:
            raise SensorFault(f"{chip}: CRC mismatch in word {i}")
        words.append(chunk[0] << 8 | chunk[1])
    return words


def sensirion_command(command: int, *args: int) -> bytes:
    out = bytes([command >> 8, command & 0xFF])
    for arg in args:
        word = bytes([arg >> 8, arg & 0xFF])
        out += word + bytes([sensirion_crc(word)])
    return out
