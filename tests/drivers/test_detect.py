"""Auto-detection on fake /proc, /sys and /dev trees, and a fake I2C bus: what a board finds and uses."""
from __future__ import annotations

from pathlib import Path

import pytest

from drivers.detect import Hardware, I2CSensor, SoundCard, card_readers, cameras, detect, display, i2c_sensors, \
    sound_cards
from drivers.sensors.base import sensirion_crc

PI4_CARDS = """\
 0 [vc4hdmi0       ]: vc4-hdmi - vc4-hdmi-0
                      vc4-hdmi-0
 1 [Device         ]: USB-Audio - USB PnP Sound Device
                      C-Media Electronics Inc. USB PnP Sound Device at usb-0000:01:00.0-1.3, full speed
 2 [Loopback       ]: Loopback - Loopback
                      Loopback 1
"""


def touch(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def pi4(tmp_path):
    """A Pi 4 with HDMI sound, a USB speaker, a USB camera, the codec nodes, a USB card reader and I2C bus 1."""
    proc, sys, dev = tmp_path / "proc", tmp_path / "sys", tmp_path / "dev"
    touch(proc / "asound" / "cards", PI4_CARDS)
    for node in ("pcmC0D0p", "pcmC1D0p", "pcmC1D0c", "pcmC2D0c", "controlC0"):
        touch(dev / "snd" / node)
    v4l = sys / "class" / "video4linux"
    for n, name, index in ((10, "bcm2835-codec-decode", "0"), (0, "USB Camera: USB Camera", "0"),
                           (1, "USB Camera: USB Camera", "1"), (13, "bcm2835-isp", "0")):
        touch(v4l / f"video{n}" / "name", name + "\n")
        touch(v4l / f"video{n}" / "index", index + "\n")
        touch(dev / f"video{n}")
    by_id = dev / "input" / "by-id"
    touch(by_id / "usb-Logitech_USB_Keyboard-event-kbd")
    touch(by_id / "usb-Sycreader_RFID_Technology_Co.__Ltd_SYC_ID_IC_USB_Reader_08FF20140315-event-kbd")
    touch(dev / "serial" / "by-id" / "usb-1a86_USB_Serial-if00-port0")
    touch(dev / "i2c-1")
    touch(dev / "i2c-20")
    touch(dev / "cec0")
    return proc, sys, dev, tmp_path / "run"


def test_sound_cards_with_and_without_playback(pi4):
    proc, _, dev, _ = pi4
    cards = sound_cards(proc, dev)
    assert [(c.index, c.id, c.playback, c.capture) for c in cards] == [
        (0, "vc4hdmi0", True, False), (1, "Device", True, True), (2, "Loopback", False, True)]
    assert [c.id for c in Hardware(sound_cards=cards).microphones] == ["Device"]  # a loopback hears no room
    assert cards[1].name.startswith("C-Media Electronics")
    assert sound_cards(proc / "missing", dev) == []


def test_cameras_leave_out_codecs_isp_and_metadata_nodes(pi4):
    _, sys, dev, _ = pi4
    assert cameras(sys, dev) == [str(dev / "video0")]


def test_card_readers_by_id_not_keyboards(pi4, tmp_path):
    _, _, dev, _ = pi4
    found = card_readers(dev)
    assert found == [("evdev", str(dev / "input" / "by-id" /
                                   "usb-Sycreader_RFID_Technology_Co.__Ltd_SYC_ID_IC_USB_Reader_08FF20140315-event-kbd"))]
    touch(dev / "serial" / "by-id" / "usb-ACS_ACR122U_PICC_Interface-if00-port0")
    assert found[0] in card_readers(dev) and ("serial", str(dev / "serial" / "by-id" /
                                                           "usb-ACS_ACR122U_PICC_Interface-if00-port0")) in card_readers(dev)


def test_display_backend_by_what_the_board_has(tmp_path):
    sys, dev, run = tmp_path / "sys", tmp_path / "dev", tmp_path / "run"
    assert display({"WAYLAND_DISPLAY": "wayland-0"}, sys, dev, run)[0] == "wlr-randr"
    assert display({"DISPLAY": ":0"}, sys, dev, run)[0] == "xset"
    assert display({}, sys, dev, run) == ("simulated", "no compositor, backlight or HDMI-CEC adapter found")
    touch(dev / "cec0")
    assert display({}, sys, dev, run)[0] == "cec"
    touch(run / "user" / "1001" / "wayland-0")
    assert display({}, sys, dev, run)[0] == "wlr-randr"  # the kiosk's cage, even when the board runs as a service
    (sys / "class" / "backlight" / "10-0045").mkdir(parents=True)
    assert display({}, sys, dev, run) == ("backlight", "panel backlight 10-0045")


class FakeChip:
    def __init__(self, registers: dict[int, int] | None = None, reply: bytes = b"") -> None:
        self.registers, self.reply, self.written = registers or {}, reply, []


class FakeBus:
    """An SMBus-like bus: chips answer at their addresses, every other address raises OSError (no ACK)."""

    def __init__(self, chips: dict[int, FakeChip]) -> None:
        self.chips, self.closed = chips, False

    def chip(self, address: int) -> FakeChip:
        if address not in self.chips:
            raise OSError(121, "Remote I/O error")
        return self.chips[address]

    def read_i2c_block_data(self, address: int, register: int, length: int) -> list[int]:
        chip = self.chip(address)
        return [chip.registers.get(register + i, 0) for i in range(length)]

    def i2c_rdwr(self, *messages) -> None:
        for msg in messages:
            chip = self.chip(msg.addr)
            if msg.flags & 1:  # I2C_M_RD
                if not chip.reply and msg.len > 1:
                    raise OSError(121, "Remote I/O error")
                for i, byte in enumerate((chip.reply or b"\0").ljust(msg.len, b"\0")[:msg.len]):
                    msg.buf[i] = bytes([byte])
            else:
                chip.written.append(bytes(msg))

    def close(self) -> None:
        self.closed = True


def sensirion_reply(*words: int) -> bytes:
    out = b""
    for w in words:
        pair = w.to_bytes(2, "big")
        out += pair + bytes([sensirion_crc(pair)])
    return out


def test_i2c_sensors_probed_at_known_addresses_and_identified():
    pytest.importorskip("smbus2")
    bus1 = FakeBus({0x76: FakeChip({0xD0: 0x60}),                   # BME280
                    0x77: FakeChip({0xD0: 0x58}),                   # a BMP280: no humidity, not ours
                    0x44: FakeChip(reply=sensirion_reply(0x1234, 0x5678)),  # SHT4x answers its serial
                    0x62: FakeChip(reply=b"\0")})                   # SCD4x acks
    bus3 = FakeBus({0x44: FakeChip(reply=b"")})                     # SHT31: acks a byte, no SHT4x serial
    buses = {1: bus1, 3: bus3}

    def open_bus(n):
        if n not in buses:
            raise OSError(2, "No such file")
        return buses[n]

    found = i2c_sensors([1, 3, 7], open_bus)
    assert found == [I2CSensor("bme280", 1, 0x76), I2CSensor("sht4x", 1, 0x44), I2CSensor("scd4x", 1, 0x62),
                     I2CSensor("sht31", 3, 0x44)]
    assert bus1.closed and bus3.closed
    assert bytes([0x89]) in bus1.chips[0x44].written


def test_detect_whole_board(pi4):
    proc, sys, dev, run = pi4
    hw = detect(proc, sys, dev, run, env={}, open_bus=lambda n: FakeBus({0x23: FakeChip(reply=b"\0")}))
    assert hw.audio == "pyaudio" and hw.cameras == [str(dev / "video0")] and hw.card_readers[0][0] == "evdev"
    assert hw.i2c_buses == [1, 20] and hw.i2c_sensors == [I2CSensor("bh1750", 1, 0x23), I2CSensor("bh1750", 20, 0x23)]
    assert hw.display == "cec"


# --- what the board uses: auto resolved against the hardware, simulated only when asked ---------------------

def board_config(**drivers: str):
    from edge.config import load_config
    return load_config(paths=[], env={f"CLASSBOARD_DRIVERS__{k.upper()}": v for k, v in drivers.items()})


def test_defaults_are_auto_and_resolve_to_the_real_hardware(pi4):
    from edge.hardware import resolve

    config = board_config()
    assert (config.drivers.audio, config.drivers.microphone, config.drivers.camera, config.drivers.card_reader,
            config.drivers.display, config.drivers.sensors) == ("auto",) * 6
    hw = Hardware(sound_cards=[SoundCard(1, "Device", "USB PnP Sound Device", True, True)], cameras=["/dev/video0"],
                  card_readers=[("serial", "/dev/serial/by-id/usb-reader")], i2c_buses=[1],
                  i2c_sensors=[I2CSensor("scd4x", 1, 0x62)], display="cec", display_reason="HDMI-CEC adapter")
    pytest.importorskip("pyaudio")
    used = resolve(config, hw)
    assert (used.audio, used.camera, used.card_reader, used.card_reader_device, used.display) == \
        ("pyaudio", "/dev/video0", "serial", "/dev/serial/by-id/usb-reader", "cec")
    assert (used.microphone, used.microphone_device) == ("pyaudio", "(hw:1,")  # PortAudio's name for card 1's PCM
    assert [(s.kind, s.backend, s.bus, s.address) for s in used.sensors] == [("scd4x", "real", 1, 0x62)]
    assert used.simulated() == []


def test_a_bare_machine_resolves_to_none_not_simulated():
    from edge.hardware import resolve

    used = resolve(board_config(), Hardware(display="simulated", display_reason="nothing found"))
    assert (used.audio, used.microphone, used.camera, used.card_reader, used.sensors) == \
        ("none", "none", "none", "none", [])
    assert used.simulated() == ["display"]


def test_simulated_only_when_the_config_says_so():
    from edge.config import SIMULATED_ENV, load_config
    from edge.hardware import resolve

    used = resolve(load_config(paths=[], env=SIMULATED_ENV), Hardware(cameras=["/dev/video0"]))
    assert set(used.simulated()) == {"audio", "microphone", "camera", "card_reader", "display"}


def test_doctor_fails_and_says_why_on_a_board_without_a_speaker():
    from classboard.doctor import FAIL, OK, check_drivers

    hw = Hardware(cameras=["/dev/video0"], i2c_buses=[1], display="cec", display_reason="HDMI-CEC adapter /dev/cec0")
    checks = {c.area: c for c in check_drivers(board_config(), hw)}
    assert checks["audio"].status == FAIL and "no working audio output" in checks["audio"].detail
    assert checks["display"].status == OK
    detected = [c.detail for c in check_drivers(board_config(), hw) if c.area == "detected"]
    assert "sound cards: none" in detected and "cameras: /dev/video0" in detected
    assert any(line.startswith("screen: cec") for line in detected)


def test_doctor_opens_the_card_reader_the_board_would_read(tmp_path):
    """A serial reader (here a pty) that opens passes; a detected reader that cannot be opened fails, naming why."""
    import os

    from classboard.doctor import FAIL, OK, check_drivers

    master, slave = os.openpty()
    try:
        hw = Hardware(card_readers=[("serial", os.ttyname(slave))], display="cec", display_reason="HDMI-CEC")
        checks = {c.area: c for c in check_drivers(board_config(), hw)}
        assert checks["card reader"].status == OK and "serial, opens" in checks["card reader"].detail
    finally:
        os.close(master)
        os.close(slave)
    gone = str(tmp_path / "by-id" / "usb-Sycreader_USB_Reader-event-kbd")
    hw = Hardware(card_readers=[("evdev", gone)], display="cec", display_reason="HDMI-CEC")
    checks = {c.area: c for c in check_drivers(board_config(), hw)}
    assert checks["card reader"].status == FAIL and "cannot be opened" in checks["card reader"].detail
    assert "input group" in checks["card reader"].detail


def test_a_microphone_only_where_a_card_records_a_room():
    """A speaker-only card or a loopback card is no microphone: the board then says it has none (not simulated)."""
    from classboard.doctor import WARN, check_drivers
    from edge.hardware import resolve

    pytest.importorskip("pyaudio")
    speaker_only = Hardware(sound_cards=[SoundCard(0, "Headphones", "bcm2835 Headphones", True),
                                         SoundCard(2, "Loopback", "Loopback 1", False, True)],
                            display="cec", display_reason="HDMI-CEC")
    used = resolve(board_config(), speaker_only)
    assert (used.audio, used.microphone) == ("pyaudio", "none") and "no sound card with a capture" in \
        used.why["microphone"]
    check = {c.area: c for c in check_drivers(board_config(), speaker_only)}["microphone"]
    assert check.status == WARN and "reply button is not offered" in check.detail
    chosen = resolve(board_config(microphone_device="USB Mic"), Hardware(sound_cards=[SoundCard(
        3, "Mic", "USB Mic", False, True)]))
    assert (chosen.microphone, chosen.microphone_device) == ("pyaudio", "USB Mic")  # the config's device kept


def test_doctor_fails_a_simulated_microphone_and_one_that_cannot_record():
    from classboard.doctor import FAIL, check_drivers

    hw = Hardware(display="cec", display_reason="HDMI-CEC")
    checks = {c.area: c for c in check_drivers(board_config(microphone="simulated"), hw)}
    assert checks["microphone"].status == FAIL and "test tone" in checks["microphone"].detail
    pytest.importorskip("pyaudio")
    checks = {c.area: c for c in check_drivers(board_config(microphone="pyaudio",
                                                            microphone_device="no-such-microphone"), hw)}
    assert checks["microphone"].status == FAIL
    assert "cannot record" in checks["microphone"].detail and "no-such-microphone" in checks["microphone"].detail
