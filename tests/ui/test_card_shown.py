"""A printed marker/QR card shown to the board's camera checks the student in and opens their corner, just as
a card tap does (issue #18: "a card tap (or marker card shown to the camera)"); frames are generated images."""
from __future__ import annotations

import pytest

from drivers.vision.cards import marker_png, qr_png
from edge.cards import CardStudent, parse_qr_payload, qr_payload
from edge.store import models as m
from tests.ui.conftest import Screen, page_for

pytestmark = pytest.mark.integration


def frame(*, qr: str | None = None, markers: tuple[int, ...] = ()):
    """A 640×480 camera frame of white paper with the given markers and QR code printed on it."""
    import cv2
    import numpy as np

    canvas = np.full((480, 640, 3), 255, np.uint8)
    for i, marker in enumerate(markers):
        image = cv2.imdecode(np.frombuffer(marker_png(marker, 180), np.uint8), cv2.IMREAD_GRAYSCALE)
        canvas[30:210, 20 + 200 * i:200 + 200 * i] = image[..., None]
    if qr is not None:
        image = cv2.imdecode(np.frombuffer(qr_png(qr, 200), np.uint8), cv2.IMREAD_GRAYSCALE)
        h, w = image.shape
        canvas[470 - h:470, 630 - w:630] = image[..., None]
    return canvas


def card_qr(student_id: str) -> str:
    s = m.Student.get_by_id(student_id)
    return qr_payload(CardStudent(s.id, s.name, "", s.marker_id))


def test_qr_payload_round_trip_and_strangers():
    assert parse_qr_payload(qr_payload(CardStudent("S1001", "王小明", "高一(1)班", 7))) == ("S1001", 7)
    for other in ["https://example.org", "CB1:S::M:7", "CB1:S:S1:M:x", "CB1:T:S1:M:7", ""]:
        assert parse_qr_payload(other) is None


def test_a_card_shown_checks_in_once_and_opens_the_corner(board):
    from kiosk_ui.app import create_app

    shown = []
    client = create_app(board, hooks={"capture_frame": lambda: shown.pop(0)}).test_client()
    s1, s2, s3 = (m.Student.get_by_id(sid) for sid in ("S1001", "S1002", "S1003"))
    forged = f"CB1:S:{s1.id}:M:{s1.marker_id + 1}"  # a made-up QR with a real id but not the card's marker
    shown += [frame(), frame(qr=forged), frame(markers=(s2.marker_id, s3.marker_id)), frame(markers=(999,))]
    for expected in ["unseen", "unseen", "several", "unseen"]:
        assert client.post("/checkin/card").get_json()["outcome"] == expected
    assert m.CheckIn.select().count() == 0 and board.corner.current() is None  # nothing recorded, nothing opened
    shown.append(frame(qr=card_qr(s1.id)))
    answer = client.post("/checkin/card").get_json()
    assert answer["outcome"] == "checked_in" and answer["corner"].startswith("/me/")
    opened = board.corner.current()
    assert opened.student_id == s1.id and opened.method == "qr"
    (check,) = m.CheckIn.select().where(m.CheckIn.student_id == s1.id)
    assert check.method == "qr"
    shown.append(frame(markers=(s2.marker_id,)))  # a marker alone: read from across a metre or two
    answer = client.post("/checkin/card").get_json()
    assert answer["outcome"] == "checked_in" and board.corner.current().student_id == s2.id
    assert m.CheckIn.get(m.CheckIn.student_id == s2.id).method == "marker"
    shown.append(frame(markers=(s2.marker_id,)))
    assert client.post("/checkin/card").get_json()["outcome"] == "already"
    assert m.CheckIn.select().count() == 2
    board.teachers.login_card(m.Teacher.get_by_id("T001"))  # during attendance a card shown only checks in
    shown.append(frame(qr=card_qr(s3.id)))
    answer = client.post("/checkin/card").get_json()
    assert answer["outcome"] == "checked_in" and answer["corner"] is None


def test_without_a_camera_or_with_a_bad_photo_it_says_so(board):
    import io

    from kiosk_ui.app import create_app

    client = create_app(board).test_client()
    assert client.post("/checkin/card").status_code == 503
    answer = client.post("/checkin/card", data={"photo": (io.BytesIO(b"not a picture"), "x.jpg")},
                         content_type="multipart/form-data")
    assert answer.status_code == 400 and m.CheckIn.select().count() == 0


def test_the_screen_shows_the_corner_when_a_card_is_shown(browser, board):
    """The student touches the check-in card on home and holds their card up: the page looks a few times."""
    frames = [frame(), frame(), frame(qr=card_qr("S1004"))]  # the card comes into view on the third look
    s = Screen(board, hooks={"capture_frame": lambda: frames.pop(0) if len(frames) > 1 else frames[0]})
    page = page_for(browser)
    page.goto(s.url + "/")
    page.click(".checkin[data-camera]")
    page.wait_for_url("**/me/*", timeout=15_000)
    assert "今日已签到" in page.inner_text("body") and board.corner.current().method == "qr"
    page.context.close()
    s.close()
