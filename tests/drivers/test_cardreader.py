"""Card readers: the real backends' parsing fed with recorded input (evdev) and a pty (serial), and the simulated one."""
from __future__ import annotations

import os
import time

import pytest

from drivers.cardreader import EvdevReader, SerialReader, SimulatedReader, create_card_reader
from tests.drivers.reader_replay import RecordedDevice, load_evtest, taps


def test_simulated_reader_debounces_a_held_card():
    now = [0.0]
    reader = SimulatedReader(hold_s=2.0, clock=lambda: now[0])
    for _ in range(5):
        reader.tap("04a31b7c")
    assert reader.read(0) == "04A31B7C"
    assert reader.read(0) is None
    now[0] += 3
    reader.tap("04A31B7C")
    assert reader.read(0) == "04A31B7C"


@pytest.fixture
def recording():
    events = load_evtest("sycreader-evtest.txt")
    assert len(events) == 198  # 3 card reads x 11 keys x (scan, key, syn) x (down, up)
    read_end, write_end = os.pipe()
    yield events, RecordedDevice(read_end), write_end
    os.close(write_end)


def test_evdev_reader_replays_a_recorded_reader_at_its_own_pace(recording):
    """Card 0012345678 read twice 0.9 s apart (held on the reader), then card 3735928559: two taps."""
    events, device, pipe = recording
    offset = [0.0]
    reader = EvdevReader(device, hold_s=2.0, clock=lambda: time.monotonic() + offset[0])
    assert device.grabbed  # the UID never reaches the kiosk browser as keystrokes
    start, seen = events[0].t, []
    for group in taps(events):
        offset[0] = group[0].t - start  # the reader's clock follows the recording's
        os.write(pipe, b"".join(e.raw for e in group))
        seen.append(reader.read(1.0))
    assert seen == ["0012345678", None, "3735928559"]
    assert reader.read(0.05) is None
    reader.close()
    assert not device.grabbed and device.fd is None


def test_evdev_reader_keeps_every_card_of_one_batch(recording):
    """All 198 events at once (a busy board reads late): no card is lost after the first one's Enter."""
    events, device, pipe = recording
    reader = EvdevReader(device)
    os.write(pipe, b"".join(e.raw for e in events))
    assert [reader.read(1.0), reader.read(1.0), reader.read(0.1)] == ["0012345678", "3735928559", None]


def test_evdev_reader_takes_keypad_digits_and_hex_letters_and_ignores_other_keys():
    from evdev import InputEvent, ecodes

    class Device:
        fd = -1

        def grab(self):
            pass

    def press(*codes):
        return [InputEvent(0, 0, ecodes.EV_KEY, c, v) for c in codes for v in (1, 2, 0)]

    reader = EvdevReader(Device())
    k = ecodes
    events = press(k.KEY_LEFTSHIFT, k.KEY_KP0, k.KEY_4, k.KEY_A, k.KEY_MINUS, k.KEY_3, k.KEY_KPENTER)
    assert reader.feed(events) == "04A3"
    assert reader.feed(press(k.KEY_ENTER)) is None  # Enter alone is no card


@pytest.fixture
def pty_port():
    """A pseudo-terminal: the reader opens its slave like /dev/ttyUSB0, the test writes as the reader would."""
    master, slave = os.openpty()
    path = os.ttyname(slave)
    yield master, path
    os.close(master)
    os.close(slave)


def test_serial_reader_on_a_pty_joins_a_frame_split_across_reads(pty_port):
    master, path = pty_port
    reader = create_card_reader("serial", path)
    assert isinstance(reader, SerialReader)
    try:
        os.write(master, b"0004A3")
        assert reader.read(0.5) is None  # half a frame: not a card yet (pyserial's 0.2 s timeout passed)
        os.write(master, b"1B7C\r\n")
        assert reader.read(2.0) == "0004A31B7C"
        os.write(master, b"garbage!\r\n" + b"F" * 40 + b"\r\n" + b"\x020A0012345678\x03")  # bad lines, then STX/ETX
        assert reader.read(2.0) == "0A0012345678"
        os.write(master, b"\x020A0012345678\x03")
        assert reader.read(0.5) is None  # the same card still on the reader: one tap
    finally:
        reader.close()


def test_serial_reader_debounces_a_held_card_and_keeps_a_second_card_of_the_same_read():
    class Port:
        in_waiting = 0
        chunks = [b"12345678\r\n12345678\r\n87654321\r\n"]

        def read(self, n):
            return self.chunks.pop(0) if self.chunks else b""

    reader = SerialReader(Port())
    assert [reader.read(0.2), reader.read(0.2), reader.read(0.05)] == ["12345678", "87654321", None]


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(ValueError, match="simulated, evdev or serial"):
        create_card_reader("bluetooth")
