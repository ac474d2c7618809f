from provisioning.firstboot import DONE_MARKER, first_boot
from tests.conftest import make_config


def test_applies_boot_config_once(tmp_path):
    config = make_config(tmp_path, system__hostname="board-r101", system__wifi_ssid="校园网",
                         system__wifi_psk="secret", board__timezone="Asia/Shanghai")
    ran: list[list[str]] = []
    result = first_boot(config, runner=lambda argv: ran.append(list(argv)) or 0,
                        enroll=lambda: (False, "ABCD-EFGH"))
    assert ["hostnamectl", "set-hostname", "board-r101"] in ran
    assert ["timedatectl", "set-timezone", "Asia/Shanghai"] in ran
    assert ["nmcli", "device", "wifi", "connect", "校园网", "password", "secret"] in ran
    assert result.failed == [] and result.claim_code == "ABCD-EFGH"
    assert (tmp_path / DONE_MARKER).exists()
    ran.clear()
    first_boot(config, runner=lambda argv: ran.append(list(argv)) or 0)
    assert ran == []


def test_a_failed_step_is_reported_and_retried_next_boot(tmp_path):
    config = make_config(tmp_path, system__hostname="board-r101")
    result = first_boot(config, runner=lambda argv: 1 if argv[0] == "hostnamectl" else 0)
    assert result.failed == ["hostname"] and "timezone" in result.applied
    assert not (tmp_path / DONE_MARKER).exists()
