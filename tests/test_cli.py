import subprocess
import sys


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "classboard", *args], capture_output=True, text=True,
                          env=env, timeout=60)


def test_help_lists_the_commands():
    result = run("--help")
    assert result.returncode == 0
    for name in ("demo", "doctor", "board", "hub", "verify-evidence"):
        assert name in result.stdout


def test_doctor_passes_on_a_fresh_data_dir(tmp_path):
    import os
    env = dict(os.environ, CLASSBOARD_BOARD__DATA_DIR=str(tmp_path))
    result = run("doctor", env=env)
    assert result.returncode == 0, result.stdout
    assert "config" in result.stdout and "0 failed" in result.stdout


def test_doctor_fails_on_bad_config_naming_the_key(tmp_path):
    import os
    bad = tmp_path / "b.toml"
    bad.write_text('[ui]\norientation = "upside-down"\n')
    result = run("doctor", "--config", str(bad), env=dict(os.environ, CLASSBOARD_BOARD__DATA_DIR=str(tmp_path)))
    assert result.returncode == 1
    assert f"{bad}: ui.orientation" in result.stdout


def test_doctor_fails_on_corrupt_store(tmp_path):
    import os
    (tmp_path / "board.sqlite3").write_bytes(b"SQLite format 3\x00" + b"\x07" * 8192)
    result = run("doctor", env=dict(os.environ, CLASSBOARD_BOARD__DATA_DIR=str(tmp_path)))
    assert result.returncode == 1 and "integrity" in result.stdout
