import pytest

from drivers.display import DisplayError, create_display


def recorder(code=0):
    calls = []

    def run(argv):
        calls.append(list(argv))
        return code
    return calls, run


@pytest.mark.parametrize("backend,on,off", [
    ("wlr-randr", [["wlr-randr", "--output", "HDMI-A-1", "--on"]], [["wlr-randr", "--output", "HDMI-A-1", "--off"]]),
    ("xset", [["xset", "dpms", "force", "on"]], [["xset", "dpms", "force", "off"]]),
    ("cec", [["cec-ctl", "-d", "/dev/cec0", "--playback"], ["cec-ctl", "-d", "/dev/cec0", "--to", "0", "--image-view-on"]],
     [["cec-ctl", "-d", "/dev/cec0", "--to", "0", "--standby"]]),
])
def test_backends_issue_the_right_commands(backend, on, off):
    calls, run = recorder()
    display = create_display(backend, runner=run)
    display.power_on()
    assert calls == on
    calls.clear()
    display.power_off()
    assert calls == off


def test_failed_command_raises_a_clear_error():
    _, run = recorder(code=1)
    with pytest.raises(DisplayError, match="xset dpms force off exited with 1"):
        create_display("xset", runner=run).power_off()


def test_backlight_writes_sysfs(tmp_path):
    panel = tmp_path / "rpi_backlight"
    panel.mkdir()
    (panel / "max_brightness").write_text("255\n")
    (panel / "brightness").write_text("255")
    (panel / "bl_power").write_text("0")
    display = create_display("backlight", path=panel)
    display.set_brightness(40)
    display.power_off()
    assert (panel / "brightness").read_text() == "102" and (panel / "bl_power").read_text() == "4"
    display.power_on()
    assert (panel / "bl_power").read_text() == "0"


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="display backend"):
        create_display("vga")


def test_relay_led_button_with_mock_factory():
    from gpiozero.pins.mock import MockFactory
    from drivers.gpio import button, relay, status_led
    factory = MockFactory()
    fan = relay(5, pin_factory=factory)
    assert factory.pin(5).state == 0
    fan.on()
    assert factory.pin(5).state == 1 and fan.is_active
    led = status_led(6, pin_factory=factory)
    led.on()
    assert factory.pin(6).state == 1
    pressed = []
    b = button(13, lambda: pressed.append(1), pin_factory=factory)
    factory.pin(13).drive_low()
    import time
    deadline = time.monotonic() + 2
    while not pressed and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pressed
    for device in (fan, led, b):
        device.close()


def test_gpiod_backend_says_clearly_when_missing():
    from drivers.gpio import relay
    try:
        import gpiod  # noqa: F401
        pytest.skip("gpiod is installed here")
    except ImportError:
        pass
    with pytest.raises(RuntimeError, match="gpiod"):
        relay(5, backend="gpiod")
