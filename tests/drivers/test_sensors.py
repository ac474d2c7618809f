"""Sensor drivers against fake buses that answer as the datasheets say."""
import struct

import pytest

from drivers.sensors import SMBusTransport, create_sensor
from drivers.sensors.base import Reading, sensirion_command, sensirion_crc
from drivers.sensors.bosch import BH1750, BME280, Calibration, compensate
from drivers.sensors.plantower import PMS5003
from drivers.sensors.sensirion import SCD30, SHT31, SCD4x, SHT4x
from drivers.sensors.validate import Validator


def words(*values: int) -> bytes:
    out = b""
    for v in values:
        w = bytes([v >> 8, v & 0xFF])
        out += w + bytes([sensirion_crc(w)])
    return out


class FakeI2C:
    """Answers reads from a script and remembers every write."""

    def __init__(self, reads=(), registers=None, absent=False):
        self.reads, self.writes, self.registers, self.absent = list(reads), [], registers or {}, absent

    def _check(self):
        if self.absent:
            raise OSError(121, "Remote I/O error")

    def write(self, data):
        self._check()
        self.writes.append(bytes(data))

    def read(self, length):
        self._check()
        data = self.reads.pop(0)
        assert len(data) == length
        return data

    def read_register(self, register, length):
        self._check()
        return self.registers[register][:length]

    def write_register(self, register, value):
        self._check()
        self.writes.append(bytes([register, value]))


def no_sleep(_):
    pass


def test_sensirion_crc_matches_the_datasheet_example():
    assert sensirion_crc(b"\xbe\xef") == 0x92


def test_sht31_converts_and_checks_crc():
    bus = FakeI2C([words(0x6666, 0x8000)])
    reading = SHT31(bus, sleep=no_sleep).read()
    assert bus.writes == [b"\x24\x00"]
    assert reading.quantities == {"temperature_c": pytest.approx(25.0, abs=0.01), "humidity_pct": pytest.approx(50.0, abs=0.01)}
    broken = bytearray(words(0x6666, 0x8000))
    broken[2] ^= 0xFF
    bad = SHT31(FakeI2C([bytes(broken)]), sleep=no_sleep).read()
    assert bad.status == "faulty" and "CRC" in bad.error


def test_sht4x_clamps_humidity():
    reading = SHT4x(FakeI2C([words(0x6666, 0xFFFF)]), sleep=no_sleep).read()
    assert reading.quantities["humidity_pct"] == 100.0


def test_scd4x_starts_once_waits_for_data_and_converts():
    bus = FakeI2C([words(0x8006), words(500, 0x6666, 0x8000), words(0x8000)])  # ready: low 11 bits non-zero
    sensor = SCD4x(bus, sleep=no_sleep)
    assert sensor.read().quantities == {"co2_ppm": 500.0, "temperature_c": pytest.approx(25.0, abs=0.01),
                                        "humidity_pct": pytest.approx(50.0, abs=0.01)}
    assert bus.writes[:3] == [b"\x21\xb1", b"\xe4\xb8", b"\xec\x05"]
    not_ready = sensor.read()
    assert not_ready.status == "faulty" and "no new measurement" in not_ready.error
    assert bus.writes.count(b"\x21\xb1") == 1


def test_scd30_floats():
    co2, temp, hum = (struct.unpack(">HH", struct.pack(">f", v)) for v in (812.5, 23.25, 41.0))
    bus = FakeI2C([words(1), words(*co2, *temp, *hum)])
    reading = SCD30(bus, sleep=no_sleep).read()
    assert reading.quantities == {"co2_ppm": 812.5, "temperature_c": 23.25, "humidity_pct": 41.0}
    assert bus.writes[0] == sensirion_command(0x0010, 0)


def bme_registers(cal_t=(27504, 26435, -1000), cal_p=(36477, -10685, 3024, 2855, 140, -7, 15500, -14600, 6000),
                  adc_t=519888, adc_p=415148, adc_h=30000, chip=0x60):
    block1 = struct.pack("<HhhHhhhhhhhh", *cal_t, *cal_p) + bytes([0, 75])
    h2, h3, h4, h5, h6 = 370, 0, 313, 50, 30
    block2 = struct.pack("<hB", h2, h3) + bytes([h4 >> 4, (h4 & 0x0F) | ((h5 & 0x0F) << 4), h5 >> 4]) + \
        struct.pack("<b", h6)
    data = bytes([adc_p >> 12, (adc_p >> 4) & 0xFF, (adc_p & 0x0F) << 4,
                  adc_t >> 12, (adc_t >> 4) & 0xFF, (adc_t & 0x0F) << 4, adc_h >> 8, adc_h & 0xFF])
    return {0xD0: bytes([chip]), 0x88: block1, 0xE1: block2, 0xF7: data}


def test_bme280_matches_the_bosch_worked_example():
    """Bosch's worked example (T1=27504 … adc_T=519888 → 25.08 °C; adc_P=415148 → 100653.27 Pa)."""
    regs = bme_registers()
    cal = Calibration(regs[0x88], regs[0xE1])
    temperature, pressure, humidity = compensate(cal, 519888, 415148, 30000)
    assert temperature == pytest.approx(25.08, abs=0.01)
    assert pressure == pytest.approx(100653.27, abs=0.5)
    assert 0 <= humidity <= 100
    higher = compensate(cal, 519888, 415148, 36000)[2]
    assert higher > humidity
    bus = FakeI2C(registers=regs)
    reading = BME280(bus, sleep=no_sleep).read()
    assert reading.quantities["pressure_hpa"] == pytest.approx(1006.53, abs=0.01)
    assert bus.writes == [bytes([0xF2, 0x01]), bytes([0xF4, 0b00100101])]


def test_bme280_wrong_chip_and_skipped_measurement():
    assert "chip id" in BME280(FakeI2C(registers=bme_registers(chip=0x58)), sleep=no_sleep).read().error
    skipped = BME280(FakeI2C(registers=bme_registers(adc_t=0x80000)), sleep=no_sleep).read()
    assert skipped.status == "faulty" and "skipped" in skipped.error


def test_bh1750_lux():
    bus = FakeI2C([bytes([0x01, 0xF4])])  # 500 counts
    assert BH1750(bus, sleep=no_sleep).read().quantities == {"lux": pytest.approx(416.7, abs=0.1)}
    assert bus.writes == [b"\x01", b"\x20"]


def test_absent_chip_is_reported_not_raised():
    reading = SHT31(FakeI2C(absent=True), sleep=no_sleep).read()
    assert reading.status == "absent" and "Remote I/O" in reading.error


class FakeSerial:
    def __init__(self, data: bytes):
        self.data = bytearray(data)

    def read(self, n):
        out, self.data = bytes(self.data[:n]), self.data[n:]
        return out


def pms_frame(pm25=35, checksum_delta=0):
    body = b"\x42\x4d" + struct.pack(">H13H", 28, 10, pm25, 50, 9, pm25, 48, 1000, 300, 50, 10, 2, 1, 0)
    return body + struct.pack(">H", (sum(body) + checksum_delta) & 0xFFFF)


def test_pms5003_frames_resync_and_checksum():
    reading = PMS5003(FakeSerial(b"\x00\x13" + pms_frame(35)), sleep=no_sleep).read()
    assert reading.quantities == {"pm1_0_ugm3": 9.0, "pm2_5_ugm3": 35.0, "pm10_ugm3": 48.0}
    bad = PMS5003(FakeSerial(pms_frame(35, checksum_delta=1)), sleep=no_sleep).read()
    assert bad.status == "faulty" and "checksum" in bad.error
    silent = PMS5003(FakeSerial(b""), sleep=no_sleep).read()
    assert silent.status == "faulty" and "no data" in silent.error


def test_smbus_transport_uses_i2c_rdwr():
    import ctypes

    class FakeSMBus:
        def __init__(self):
            self.sent = []

        def i2c_rdwr(self, *msgs):
            for msg in msgs:
                if msg.flags & 1:  # read
                    data = words(0x6666, 0x8000)
                    ctypes.memmove(msg.buf, data, len(data))
                else:
                    self.sent.append((msg.addr, bytes(msg)))

    bus = FakeSMBus()
    sensor = create_sensor("sht31", "real", bus=bus)
    sensor.sleep = no_sleep
    assert sensor.read().quantities["temperature_c"] == pytest.approx(25.0, abs=0.01)
    assert bus.sent == [(0x44, b"\x24\x00")]


def test_validator_range_and_stuck_values():
    v = Validator(stuck_after=3)
    assert v.check("scd4x", Reading({"co2_ppm": 70000.0})).status == "faulty"
    results = [v.check("bme280", Reading({"temperature_c": 21.0})).status for _ in range(3)]
    assert results == ["ok", "ok", "faulty"]
    assert v.check("pir", Reading({"occupied": 0.0})).status == "ok"


def test_pir_through_gpiozero_mock_factory():
    from gpiozero.pins.mock import MockFactory
    factory = MockFactory()
    sensor = create_sensor("pir", "real", pin=17, pin_factory=factory)
    assert sensor.read().quantities == {"occupied": 0.0}
    factory.pin(17).drive_high()
    import time
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and sensor.read().quantities["occupied"] != 1.0:
        time.sleep(0.02)
    assert sensor.read().quantities == {"occupied": 1.0}
    sensor.close()


def test_simulated_sensors_are_plausible():
    for kind in ("bme280", "scd4x", "bh1750", "pms5003", "pir"):
        reading = create_sensor(kind).read()
        assert reading.status == "ok" and reading.quantities
        assert Validator().check(kind, reading).status == "ok"
