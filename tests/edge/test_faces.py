"""Face check-in: off by default, consent-gated, encrypted templates, deleted on withdrawal, clear when unavailable."""
from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from drivers.vision.faces import DETECTOR_FILE, RECOGNISER_FILE, Face, open_face_engine
from edge.bundle_store import get_setting, put_setting
from edge.faces import FaceCheckIn, FaceError
from edge.store import models as m

PEOPLE = {"S1001": (200, 30, 30), "S1002": (30, 200, 30), "stranger": (30, 30, 200)}


class ColourFaces:
    """Stands in for YuNet + SFace: each 40×40 square is a face, its colour is who it is."""

    threshold = 0.99

    def detect(self, image):
        found, seen = [], np.zeros(image.shape[:2], bool)
        for y in range(0, image.shape[0], 40):
            for x in range(0, image.shape[1], 40):
                if image[y, x].any() and not seen[y, x]:
                    seen[y:y + 40, x:x + 40] = True
                    found.append(Face((x, y, 40, 40), 0.99, None))
        return found

    def feature(self, image, face):
        x, y, _, _ = face.box
        v = image[y + 20, x + 20].astype(np.float32)
        return (v / np.linalg.norm(v)).tobytes()

    def similarity(self, a, b):
        return float(np.dot(np.frombuffer(a, np.float32), np.frombuffer(b, np.float32)))


def photo(*people):
    image = np.zeros((120, 200, 3), np.uint8)
    for i, who in enumerate(people):
        image[40:80, 40 * i:40 * i + 40] = PEOPLE[who]
    return image


def turn_on(board, consenting=("S1001",)):
    settings = json.loads(get_setting("bundle.settings") or "{}")
    put_setting("bundle.settings", json.dumps(settings | {"face_checkin_classes": ["C101"]}))
    m.Student.update(face_consent=True).where(m.Student.id.in_(list(consenting))).execute()


def test_without_model_files_it_says_so_and_cards_still_work(board, tmp_path):
    faces = FaceCheckIn.from_config(board)
    state = faces.status("C101")
    assert not state.available
    assert DETECTOR_FILE in state.reason_en and RECOGNISER_FILE in state.reason_en and "Use a card" in state.reason_en
    assert "人脸签到不可用" in state.reason_zh
    with pytest.raises(FaceError, match="unavailable"):
        faces.identify(photo("S1001"), "C101")
    # the real OpenCV backend with corrupt model files: refused with a reason, never a crash
    models = tmp_path / "models"
    models.mkdir()
    (models / DETECTOR_FILE).write_bytes(b"not onnx")
    (models / RECOGNISER_FILE).write_bytes(b"not onnx")
    engine, reason = open_face_engine(models)
    assert engine is None and "could not be loaded" in reason


def test_off_by_default_and_only_with_consent(board):
    faces = FaceCheckIn(board, ColourFaces())
    assert not faces.status("C101").available  # not turned on for the class
    with pytest.raises(FaceError, match="not turned on"):
        faces.enroll("S1001", photo("S1001"))
    turn_on(board, consenting=())
    with pytest.raises(FaceError, match="no recorded guardian consent"):
        faces.enroll("S1001", photo("S1001"))
    turn_on(board)
    with pytest.raises(FaceError, match="exactly one face"):
        faces.enroll("S1001", photo("S1001", "S1002"))
    faces.enroll("S1001", photo("S1001"))
    assert m.FaceTemplate.select().count() == 1


def test_templates_are_encrypted_bound_to_the_student_and_useless_on_another_board(board, tmp_path, clock, school):
    from classboard.sample import board_bundle
    from edge.board import Board
    from tests.conftest import make_config

    turn_on(board)
    faces = FaceCheckIn(board, ColourFaces())
    faces.enroll("S1001", photo("S1001"))
    row = m.FaceTemplate.get_by_id("S1001")
    feature = ColourFaces().feature(photo("S1001"), Face((0, 40, 40, 40), 1, None))
    assert feature not in bytes(row.sealed) and faces._open(row) == feature
    moved = copy.copy(row)
    moved.student_id = "S1002"  # a template copied onto another student does not open
    assert faces._open(moved) is None
    files_before = sorted(p.name for p in board.config.data_path.rglob("*"))
    faces.identify(photo("S1001"), "C101")
    assert sorted(p.name for p in board.config.data_path.rglob("*")) == files_before  # no image written
    sealed = bytes(row.sealed)
    board.stop()
    other = Board(make_config(tmp_path / "other", board__class_id="C101"), clock=clock)
    try:
        other.install_bundle(board_bundle(school, other.id, "C101", "2026-11-24T00:00:00Z"), etag="e")
        stolen = m.FaceTemplate(student_id="S1001", class_id="C101", sealed=sealed)
        assert FaceCheckIn(other, ColourFaces())._open(stolen) is None  # another board's key
    finally:
        other.stop()


def test_recognised_students_check_in_once_and_strangers_never(board):
    turn_on(board, consenting=("S1001", "S1002"))
    faces = FaceCheckIn(board, ColourFaces())
    faces.enroll("S1001", photo("S1001"))
    results = faces.identify(photo("stranger", "S1001", "S1002"), "C101")
    assert [(r.outcome, r.student_id) for r in results] == [("checked_in", "S1001")]  # S1002 never enrolled
    assert m.CheckIn.get(m.CheckIn.student_id == "S1001").method == "face"
    assert [r.outcome for r in faces.identify(photo("S1001"), "C101")] == ["already"]


def test_withdrawn_consent_deletes_the_template_at_the_next_bundle(board, school):
    from classboard.sample import board_bundle

    turn_on(board)
    faces = FaceCheckIn(board, ColourFaces())
    faces.enroll("S1001", photo("S1001"))
    content = board_bundle(school, board.id, "C101", "2026-11-24T00:00:00Z")
    content["settings"]["face_checkin_classes"] = ["C101"]
    for s in content["students"]:
        s["face_consent"] = s["id"] == "S1001"
    board.install_bundle(content, etag="with-consent")
    assert m.FaceTemplate.select().count() == 1  # consent still recorded: kept
    content["students"][0]["face_consent"] = False
    board.install_bundle(content, etag="withdrawn")
    assert m.FaceTemplate.select().count() == 0
    assert faces.identify(photo("S1001"), "C101") == []
