from pathlib import Path

import pytest

from edge.config import ConfigError, load_config


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_layers_later_wins(tmp_path):
    system = write(tmp_path / "board.toml", '[board]\nname = "一楼"\n[ui]\nport = 9000\n')
    boot = write(tmp_path / "classboard.toml", '[ui]\nport = 9001\norientation = "portrait"\n')
    cfg = load_config(paths=[system, boot, tmp_path / "missing.toml"], env={"CLASSBOARD_UI__PORT": "9002"})
    assert cfg.board.name == "一楼"
    assert cfg.ui.orientation == "portrait"
    assert cfg.ui.port == 9002
    assert cfg.sources == [str(system), str(boot), "environment"]


def test_defaults_without_files():
    cfg = load_config(paths=[], env={})
    assert cfg.board.timezone == "Asia/Shanghai" and cfg.board.language == "zh-CN"
    assert cfg.drivers.camera == "auto" and cfg.drivers.audio == "auto" and cfg.sources == []  # real by default


@pytest.mark.parametrize("text,key,reason", [
    ('[ui]\nport = "high"\n', "ui.port", "expected int"),
    ('[ui]\norientation = "sideways"\n', "ui.orientation", "must be one of"),
    ('[board]\ntimezone = "Mars/Olympus"\n', "board.timezone", "unknown time zone"),
    ('[board]\ncolour = "red"\n', "board.colour", "unknown key"),
    ('[hub]\nurl = "ftp://hub"\n', "hub.url", "http"),
    ('[[sensors]]\nkind = "geiger"\n', "sensors[0].kind", "must be one of"),
    ("[ui\nport = 1\n", "(syntax)", ""),
])
def test_invalid_config_names_file_key_and_reason(tmp_path, text, key, reason):
    path = write(tmp_path / "classboard.toml", text)
    with pytest.raises(ConfigError) as err:
        load_config(paths=[path], env={})
    assert err.value.source == str(path)
    assert err.value.key == key
    assert reason in str(err.value)


def test_sensors_array(tmp_path):
    path = write(tmp_path / "b.toml", '[[sensors]]\nkind = "scd4x"\naddress = 0x62\ninterval_s = 30\n'
                                      '[[sensors]]\nkind = "pms5003"\nport = "/dev/ttyAMA0"\n')
    cfg = load_config(paths=[path], env={})
    assert [(s.kind, s.address, s.interval_s) for s in cfg.sensors] == [("scd4x", 0x62, 30), ("pms5003", 0, 60)]


def test_example_config_is_valid():
    example = Path(__file__).resolve().parents[2] / "docs" / "board.example.toml"
    cfg = load_config(paths=[example], env={})
    assert cfg.sources == [str(example)]
