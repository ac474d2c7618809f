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


ALSA_FILE_PCM = 'pcm.!default {{ type file slave.pcm "nullsink" file "{path}" format "raw" }}\npcm.nullsink {{ type null }}\n'


def test_doctor_passes_a_board_whose_speaker_plays(tmp_path):
    """Real audio (PortAudio into an ALSA file PCM, and recording from it), no simulated driver: every check passes."""
    import os
    conf = tmp_path / "asound.conf"
    conf.write_text(ALSA_FILE_PCM.format(path=tmp_path / "speaker.raw"))
    env = dict(os.environ, CLASSBOARD_BOARD__DATA_DIR=str(tmp_path), ALSA_CONFIG_PATH=str(conf),
               CLASSBOARD_DRIVERS__AUDIO="pyaudio", CLASSBOARD_DRIVERS__MICROPHONE="pyaudio",
               CLASSBOARD_DRIVERS__DISPLAY="cec",
               CLASSBOARD_DRIVERS__CAMERA="/dev/video0", CLASSBOARD_DRIVERS__CARD_READER="none",
               CLASSBOARD_DRIVERS__SENSORS="none")
    result = run("doctor", env=env)
    assert result.returncode == 0, result.stdout
    assert "config" in result.stdout and "0 failed" in result.stdout
    assert "pyaudio (default device) plays" in result.stdout
    assert "pyaudio (default device) records" in result.stdout
    assert (tmp_path / "speaker.raw").stat().st_size > 0  # the silence really went through ALSA


def test_doctor_fails_a_board_with_simulated_drivers_naming_each(tmp_path):
    import os
    from edge.config import SIMULATED_ENV
    result = run("doctor", env=dict(os.environ, **SIMULATED_ENV, CLASSBOARD_BOARD__DATA_DIR=str(tmp_path)))
    assert result.returncode == 1
    for area in ("display", "camera", "card reader", "microphone"):
        assert f"{area:<12} simulated" in result.stdout
    assert "no working audio output: simulated" in result.stdout


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
