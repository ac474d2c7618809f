"""Shared fixtures: a board on a temporary data dir, on a fake clock, with the sample school."""
from __future__ import annotations

import os
import socket
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from edge.config import SIMULATED_ENV

# Tests run without hardware and say so: every board they start, in-process or as a child process, is simulated.
os.environ.update(SIMULATED_ENV)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Tuesday inside the sample school's autumn term, during 第3节 (10:05–10:50).
SCHOOL_MORNING = datetime(2026, 11, 24, 10, 10, tzinfo=SHANGHAI)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_config(data_dir: Path, **env: str):
    from edge.config import load_config

    values = dict(SIMULATED_ENV, CLASSBOARD_BOARD__DATA_DIR=str(data_dir))
    values.update({f"CLASSBOARD_{k.upper()}": v for k, v in env.items()})
    return load_config(paths=[], env=values)


@pytest.fixture
def clock():
    from edge.clock import FakeClock

    return FakeClock(SCHOOL_MORNING)


@pytest.fixture
def school():
    from classboard.sample import sample_school

    return sample_school(today=SCHOOL_MORNING.date())


@pytest.fixture
def board(tmp_path, clock, school):
    from classboard.sample import board_bundle
    from edge.board import Board

    b = Board(make_config(tmp_path / "board", board__class_id="C101"), clock=clock)
    b.install_bundle(board_bundle(school, b.id, "C101", "2026-11-24T00:00:00Z"), etag="test-etag")
    yield b
    b.stop()
