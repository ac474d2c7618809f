"""`classboard board run` with a serial card reader (a pty): a tap on it checks the student in and opens their corner."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import free_port, make_config

pytestmark = pytest.mark.integration


def home(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/home.json", timeout=5) as r:
        return json.loads(r.read())


def test_a_tap_on_the_boards_serial_reader_opens_the_students_corner(tmp_path):
    from classboard.board_cli import seed_sample
    from edge.board import Board
    from edge.checkin import card_hash
    from edge.services.student_corner import given_name
    from edge.store import models as m

    data = tmp_path / "board"
    board = Board(make_config(data, board__class_id="C101"))
    seed_sample(board, "C101")
    student = m.Student.get_by_id("S1001")
    student.card_hash = card_hash(board.card_key(), "0004A31B7C")
    student.save()
    name = student.name
    board.stop()

    master, slave = os.openpty()
    port = free_port()
    env = dict(os.environ, CLASSBOARD_BOARD__DATA_DIR=str(data), CLASSBOARD_BOARD__CLASS_ID="C101",
               CLASSBOARD_UI__HOST="127.0.0.1", CLASSBOARD_UI__PORT=str(port), CLASSBOARD_HUB__URL="",
               CLASSBOARD_DRIVERS__CARD_READER="serial", CLASSBOARD_DRIVERS__CARD_READER_DEVICE=os.ttyname(slave))
    proc = subprocess.Popen([sys.executable, "-m", "classboard", "board", "run"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline, state = time.monotonic() + 60, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                state = home(port)
                break
            except OSError:
                time.sleep(0.2)
        assert state is not None and not state.get("corner"), "the board's screen did not come up"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not state.get("corner"):
            os.write(master, b"0004A31B7C\r\n")  # until the reader thread has the port open (it flushes on open)
            time.sleep(0.5)
            state = home(port)
        assert state.get("corner", "").startswith("/me/"), "the tap never reached the board"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{state['corner']}", timeout=5) as r:
            assert given_name(name) in r.read().decode()  # the corner greets the student
    finally:
        os.kill(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        os.close(master)
        os.close(slave)
    assert proc.returncode == 0, err
    assert "card reader" in err and "open" in err and "0004A31B7C" not in err  # the UID is never logged
    board = Board(make_config(data, board__class_id="C101"))
    try:
        assert m.CheckIn.select().where(m.CheckIn.student_id == "S1001").count() == 1
    finally:
        board.stop()
