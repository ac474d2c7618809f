"""BME280 (temperature, humidity, pressure) with the datasheet's compensation formulas."""
from __future__ import annotations

import struct

from .base import I2CTransport, Sensor, SensorFault

CHIP_ID_REGISTER, CHIP_ID = 0xD0, 0x60
CTRL_HUM, CTRL_MEAS, CONFIG, DATA = 0xF2, 0xF4, 0xF5, 0xF7


class Calibration:
    """Trimming parameters from registers 0x88–0xA1 and 0xE1–0xE7 (datasheet table 16)."""

    def __init__(self, block1: bytes, block2: bytes) -> None:
        (self.T1, self.T2, self.T3, self.P1, self.P2, self.P3, self.P4, self.P5, self.P6, self.P7, self.P8,
         self.P9) = struct.unpack("<HhhHhhhhhhhh", block1[:24])
        self.H1 = block1[25]
        self.H2, self.H3 = struct.unpack("<hB", block2[:3])
        e4, e5, e6 = block2[3], block2[4], block2[5]
        h4 = (e4 << 4) | (e5 & 0x0F)
        h5 = (e6 << 4) | (e5 >> 4)
        self.H4 = h4 - 4096 if h4 & 0x800 else h4
        self.H5 = h5 - 4096 if h5 & 0x800 else h5
        self.H6 = struct.unpack("<b", block2[6:7])[0]


def compensate(cal: Calibration, adc_t: int, adc_p: int, adc_h: int) -> tuple[float, float, float]:
    """Floating-point compensation (datasheet section 8.1): °C, Pa, %RH."""
    var1 = (adc_t / 16384.0 - cal.T1 / 1024.0) * cal.T2
    var2 = (adc_t / 131072.0 - cal.T1 / 8192.0) ** 2 * cal.T3
    t_fine = var1 + var2
    temperature = t_fine / 5120.0

    var1 = t_fine / 2.0 - 64000.0
    var2 = var1 * var1 * cal.P6 / 32768.0
    var2 = var2 + var1 * cal.P5 * 2.0
    var2 = var2 / 4.0 + cal.P4 * 65536.0
    var1 = (cal.P3 * var1 * var1 / 524288.0 + cal.P2 * var1) / 524288.0
    var1 = (1.0 + var1 / 32768.0) * cal.P1
    if var1 == 0:
        raise SensorFault("bme280: pressure calibration gives a division by zero")
    pressure = 1048576.0 - adc_p
    pressure = (pressure - var2 / 4096.0) * 6250.0 / var1
    var1 = cal.P9 * pressure * pressure / 2147483648.0
    var2 = pressure * cal.P8 / 32768.0
    pressure = pressure + (var1 + var2 + cal.P7) / 16.0

    h = t_fine - 76800.0
    h = (adc_h - (cal.H4 * 64.0 + cal.H5 / 16384.0 * h)) * (
        cal.H2 / 65536.0 * (1.0 + cal.H6 / 67108864.0 * h * (1.0 + cal.H3 / 67108864.0 * h)))
    h = h * (1.0 - cal.H1 * h / 524288.0)
    return temperature, pressure, min(100.0, max(0.0, h))


class BME280(Sensor):
    kind = "bme280"

    def __init__(self, transport: I2CTransport, **kw) -> None:
        super().__init__(**kw)
        self.i2c = transport
        self.cal: Calibration | None = None

    def _setup(self) -> None:
        chip = self.i2c.read_register(CHIP_ID_REGISTER, 1)[0]
        if chip != CHIP_ID:
            raise SensorFault(f"bme280: chip id is 0x{chip:02X}, expected 0x60 (a BMP280 has no humidity)")
        self.cal = Calibration(self.i2c.read_register(0x88, 26), self.i2c.read_register(0xE1, 7))

    def measure(self) -> dict[str, float]:
        if self.cal is None:
            self._setup()
        self.i2c.write_register(CTRL_HUM, 0x01)  # humidity ×1 (takes effect with the ctrl_meas write)
        self.i2c.write_register(CTRL_MEAS, 0b001_001_01)  # temperature ×1, pressure ×1, forced mode
        self.sleep(0.01)
        d = self.i2c.read_register(DATA, 8)
        adc_p = (d[0] << 12) | (d[1] << 4) | (d[2] >> 4)
        adc_t = (d[3] << 12) | (d[4] << 4) | (d[5] >> 4)
        adc_h = (d[6] << 8) | d[7]
        if adc_t == 0x80000 or adc_p == 0x80000:
            raise SensorFault("bme280: measurement skipped (register holds the reset value 0x80000)")
        temperature, pressure, humidity = compensate(self.cal, adc_t, adc_p, adc_h)
        return {"temperature_c": round(temperature, 2), "humidity_pct": round(humidity, 2),
                "pressure_hpa": round(pressure / 100, 2)}


class BH1750(Sensor):
    """Ambient light: one-time high-resolution mode, lux = count / 1.2 (datasheet)."""

    kind = "bh1750"
    POWER_ON, ONE_TIME_HIGH_RES = 0x01, 0x20

    def __init__(self, transport: I2CTransport, **kw) -> None:
        super().__init__(**kw)
        self.i2c = transport

    def measure(self) -> dict[str, float]:
        self.i2c.write(bytes([self.POWER_ON]))
        self.i2c.write(bytes([self.ONE_TIME_HIGH_RES]))
        self.sleep(0.18)  # max measurement time 180 ms
        raw = self.i2c.read(2)
        if len(raw) != 2:
            raise SensorFault("bh1750: short read")
        return {"lux": round(((raw[0] << 8) | raw[1]) / 1.2, 1)}
