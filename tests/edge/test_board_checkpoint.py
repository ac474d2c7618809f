"""``classboard board checkpoint``: what a reviewer reads off a board, as text and as a QR code."""
import os
import subprocess
import sys


def test_the_command_prints_and_draws_the_boards_signed_checkpoint(tmp_path):
    import cv2

    from drivers.vision.markers import detect_qr
    from edge.board import Board
    from edge.services.usage import Activity
    from protocol.checkpoint import verify_checkpoint
    from tests.conftest import make_config

    board = Board(make_config(tmp_path))
    board.usage.record_many([Activity("checkin", "student", "C101", 0, {"n": i}) for i in range(7)])
    board_id, key = board.id, board.key
    board.stop()
    qr = tmp_path / "checkpoint.png"
    result = subprocess.run([sys.executable, "-m", "classboard", "board", "checkpoint", "--qr", str(qr)],
                            capture_output=True, text=True, timeout=60,
                            env=dict(os.environ, CLASSBOARD_BOARD__DATA_DIR=str(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert f"board:       {board_id}" in result.stdout and "records:     7" in result.stdout
    text = result.stdout[result.stdout.index("classboard/board/"):]
    point = verify_checkpoint(text, key.public_key(), board_id)
    assert point.size == 7
    assert detect_qr(cv2.imread(str(qr))) == [text]
