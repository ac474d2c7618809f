"""PMS5003 particulate sensor over UART (pyserial): 32-byte frames, 0x42 0x4D, 16-bit sum check."""
from __future__ import annotations

import struct

from .base import Sensor, SensorFault

FRAME = 32


class PMS5003(Sensor):
    kind = "pms5003"

    def __init__(self, port: str | object, **kw) -> None:
        super().__init__(**kw)
        self._port_spec = port
        self._serial = None

    @property
    def serial(self):
        if self._serial is None:
            if isinstance(self._port_spec, str):
                import serial
                self._serial = serial.Serial(self._port_spec, 9600, timeout=2)
            else:
                self._serial = self._port_spec
        return self._serial

    def _frame(self, max_bytes: int = 200) -> bytes:
        """Find the next frame start within ``max_bytes`` (the sensor streams about once a second)."""
        seen = 0
        while seen < max_bytes:
            first = self.serial.read(1)
            seen += 1
            if not first:
                raise SensorFault("pms5003: no data from the sensor (check wiring and 5 V supply)")
            if first == b"\x42" and self.serial.read(1) == b"\x4d":
                rest = self.serial.read(FRAME - 2)
                if len(rest) != FRAME - 2:
                    raise SensorFault("pms5003: truncated frame")
                return b"\x42\x4d" + rest
        raise SensorFault("pms5003: no frame header in the data stream")

    def measure(self) -> dict[str, float]:
        frame = self._frame()
        length, *words, checksum = struct.unpack(">H13HH", frame[2:])
        if length != 28:
            raise SensorFault(f"pms5003: frame length {length}, expected 28")
        if sum(frame[:30]) & 0xFFFF != checksum:
            raise SensorFault("pms5003: checksum mismatch")
        return {"pm1_0_ugm3": float(words[3]), "pm2_5_ugm3": float(words[4]), "pm10_ugm3": float(words[5])}
