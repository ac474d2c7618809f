"""Photo roll call on the teacher screen: camera or upload → a proposed grid → teacher corrects → saved."""
from __future__ import annotations

import cv2
import pytest

from drivers.vision.synth import class_photo
from edge.services.teacher_session import hash_pin
from edge.store import models as m
from tests.ui.conftest import Screen, page_for, shoot
from tests.ui.test_staff import type_pin

pytestmark = pytest.mark.integration


@pytest.fixture
def photo_class(board, tmp_path):
    """The class's cards: 30 students' markers are in the photo, 15 students' are not; 3 cards are strangers'."""
    photo = class_photo(seed=11, cards=33)
    students = list(m.Student.select().where(m.Student.class_group == "C101").order_by(m.Student.id))
    seen_ids = photo.ids[:30]
    others = [i for i in range(1000) if i not in photo.ids]
    for i, student in enumerate(students):
        student.marker_id = seen_ids[i] if i < 30 else others[i]
        student.save()
    path = tmp_path / "class.jpg"
    cv2.imwrite(str(path), photo.image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    teacher = m.Teacher.get_by_id("T001")
    teacher.pin_hash = hash_pin("2468")
    teacher.save()
    return {"path": path, "image": photo.image, "seen": {s.id for s in students[:30]},
            "strangers": sorted(photo.ids[30:])}


def statuses_on(page):
    return {b.get_attribute("data-student"): b.locator("input").get_attribute("value")
            for b in page.locator(".student").all()}


def test_uploaded_photo_proposes_the_grid_and_the_teacher_corrects_it(browser, board, photo_class):
    s = Screen(board)
    page = page_for(browser)
    page.goto(s.url + "/teacher")
    type_pin(page, "2468")
    with page.expect_navigation(timeout=20_000):
        page.set_input_files("input[name=photo]", str(photo_class["path"]))
    page.wait_for_selector(".card.scan")
    proposed = statuses_on(page)
    assert {sid for sid, st in proposed.items() if st == "present"} == photo_class["seen"]  # nobody not in it
    assert sum(1 for st in proposed.values() if st == "absent") == 15
    text = page.inner_text(".card.scan")
    assert "识别到 30 人，未识别 15 人" in text and all(str(i) in text for i in photo_class["strangers"])
    shoot(page, "photo-rollcall-landscape")
    corrected = sorted(sid for sid, st in proposed.items() if st == "absent")[0]
    page.click(f".student[data-student='{corrected}']")  # absent → leave (请假): the teacher knows why
    page.click("button.primary")
    assert "考勤已保存" in page.inner_text("body")
    session = m.AttendanceSession.get()
    saved = {c.student_id: c.status for c in session.checkins}
    assert session.method == "marker" and saved[corrected] == "leave"
    assert sum(1 for st in saved.values() if st == "present") == 30
    page.context.close()
    s.close()


def test_camera_capture_and_preview_and_bad_uploads(browser, board, photo_class, tmp_path):
    frames = [photo_class["image"]]
    s = Screen(board, hooks={"capture_frame": lambda: frames[0]})
    page = page_for(browser)
    page.goto(s.url + "/teacher")
    type_pin(page, "2468")
    page.click("#previewtoggle")
    page.wait_for_function("document.getElementById('preview').naturalWidth === 640", timeout=10_000)
    page.click("button[name=source]")
    page.wait_for_selector(".card.scan", timeout=20_000)
    assert sum(1 for st in statuses_on(page).values() if st == "present") == 30
    frames[0] = None  # unplugged
    page.click("button[name=source]")
    assert "摄像头未连接" in page.inner_text(".card.warn")
    junk = tmp_path / "notes.png"
    junk.write_bytes(b"this is not a picture")
    with page.expect_navigation():
        page.set_input_files("input[name=photo]", str(junk))
    assert "文件不是 JPEG 或 PNG 照片" in page.inner_text(".card.warn")
    assert m.AttendanceSession.select().count() == 0  # nothing saved until the teacher saves
    page.context.close()
    s.close()


def test_an_oversized_upload_gets_a_clear_answer_and_changes_nothing(board):
    import io

    from kiosk_ui.app import create_app

    teacher = m.Teacher.get_by_id("T001")
    teacher.pin_hash = hash_pin("2468")
    teacher.save()
    assert board.teachers.login_pin("2468")
    client = create_app(board).test_client()
    reply = client.post("/teacher/attendance/photo", data={"photo": (io.BytesIO(b"\xff" * (14 << 20)), "big.jpg")},
                        content_type="multipart/form-data")
    assert reply.status_code == 413 and "照片太大" in reply.get_data(as_text=True)
    assert m.AttendanceSession.select().count() == 0


def test_face_check_in_at_the_door_says_when_it_is_unavailable_and_works_when_on(board):
    import json

    from edge.bundle_store import get_setting, put_setting
    from edge.faces import FaceCheckIn
    from kiosk_ui.app import create_app
    from tests.edge.test_faces import ColourFaces, photo

    app = create_app(board, hooks={"capture_frame": lambda: photo("S1001")})
    client = app.test_client()
    reply = client.post("/checkin/face")
    assert reply.status_code == 503 and "face_detection_yunet_2023mar.onnx" in reply.get_json()["message"]
    settings = json.loads(get_setting("bundle.settings") or "{}")
    put_setting("bundle.settings", json.dumps(settings | {"face_checkin_classes": ["C101"]}))
    m.Student.update(face_consent=True).where(m.Student.id == "S1001").execute()
    faces = FaceCheckIn(board, ColourFaces())
    faces.enroll("S1001", photo("S1001"))
    app.config["FACES"] = faces
    assert client.post("/checkin/face").get_json()["outcome"] == "checked_in"
    assert client.post("/checkin/face").get_json()["outcome"] == "already"
