"""Teacher mode (log in, roll call, week summary, family messages in a lesson) and admin mode (device facts, tests)."""
from __future__ import annotations

import hmac
import socket
from datetime import timedelta

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for

from edge.bundle_store import get_setting
from edge.services.attendance import STATUSES, AttendanceError
from edge.services.teacher_session import LockedOut

teacher = Blueprint("teacher", __name__)
admin = Blueprint("admin", __name__)
BLUEPRINTS = (teacher, admin)


def _board():
    return current_app.config["BOARD"]


def _t():
    return current_app.config["T"]


@teacher.get("/teacher", endpoint="index")
def roll_call_or_pin():
    board = _board()
    active = board.teachers.active()
    if active is None:
        until = board.teachers.locked_until()
        locked = _t()("locked", time=until.astimezone(board.zone).strftime("%H:%M:%S")) if until else ""
        return render_template("pin.html", action=url_for("teacher.teacher_login"), prompt=_t()("enter_pin"),
                               error=request.args.get("error", ""), locked=locked)
    board.teachers.touch()
    return _roster_page(board, active)


def _roster_page(board, active, initial: dict[str, str] | None = None, scan=None, error: str = "", method="grid"):
    roster = board.rollcall.roster(board.class_id) if board.class_id else []
    allowance = board.family().allowance()
    family = None if allowance is None else {"until": allowance[0].astimezone(board.zone).strftime("%H:%M"),
                                             "allowed": allowance[1]}
    return render_template("attendance.html", teacher=active, roster=roster, statuses=STATUSES, family=family,
                           summary=board.rollcall.week_summary(board.class_id) if board.class_id else [],
                           saved=request.args.get("saved", ""), initial=initial or {}, scan=scan, error=error,
                           method=method, camera="capture_frame" in current_app.config["HOOKS"])


@teacher.post("/teacher/attendance/photo")
def photo_roll_call():
    """From the board's camera or an uploaded photo to a proposed grid the teacher corrects and saves."""
    from edge.photo_rollcall import PhotoError, decode_photo, scan_class_photo

    board = _board()
    active = board.teachers.active()
    if active is None:
        return redirect(url_for("teacher.index"))
    board.teachers.touch()
    try:
        image = _frame()
    except PhotoError as exc:
        return _roster_page(board, active, error=_t()(exc.key, **exc.values)), 400
    scan = scan_class_photo(board, board.class_id, image)
    return _roster_page(board, active, initial=scan.statuses(), scan=scan, method="marker")


def _frame():
    """The uploaded photo (``photo``), else one frame from the board's camera; ``PhotoError`` saying why not."""
    from edge.photo_rollcall import PhotoError, decode_photo

    upload = request.files.get("photo")
    if upload is not None and upload.filename:
        return decode_photo(upload.read())
    capture = current_app.config["HOOKS"].get("capture_frame")
    image = capture() if capture else None
    if image is None:
        raise PhotoError("camera_unavailable", "the camera is not connected")
    return image


@teacher.get("/teacher/camera.jpg")
def camera_preview():
    """The live preview: one small JPEG per request, polled by the page while the preview is open."""
    board = _board()
    capture = current_app.config["HOOKS"].get("capture_frame")
    if board.teachers.active() is None or capture is None:
        return "", 404
    frame = capture()
    if frame is None:
        return _t()("camera_unavailable"), 503
    import cv2
    scale = 640 / max(frame.shape[1], 1)
    small = cv2.resize(frame, None, fx=scale, fy=scale) if scale < 1 else frame
    ok, jpeg = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 70])
    return (jpeg.tobytes(), 200, {"Content-Type": "image/jpeg", "Cache-Control": "no-store"}) if ok else ("", 500)


@teacher.post("/teacher/login")
def teacher_login():
    board = _board()
    try:
        ok = board.teachers.login_pin(request.form.get("pin", ""))
    except LockedOut:
        return redirect(url_for("teacher.index"))
    return redirect(url_for("teacher.index") if ok else url_for("teacher.index", error=_t()("wrong_pin")))


@teacher.post("/teacher/attendance")
def save_attendance():
    board = _board()
    active = board.teachers.active()
    if active is None:
        return redirect(url_for("teacher.index"))
    statuses = {key[2:]: value for key, value in request.form.items() if key.startswith("s:")}
    method = request.form.get("method") if request.form.get("method") in ("grid", "marker") else "grid"
    try:
        current, _ = board.timetable.current_and_next(class_id=board.class_id)
        board.rollcall.save(board.class_id, active.teacher_id, statuses, period=current.period if current else None,
                            method=method)
    except AttendanceError as exc:
        return render_template("message.html", title=_t()("attendance"), message=str(exc)), 400
    counts = {s: sum(1 for sid in statuses.values() if sid == s) for s in STATUSES}
    counts["present"] = len(board.rollcall.roster(board.class_id)) - sum(counts[s] for s in STATUSES[1:])
    summary = "，".join(f"{_t()(s)} {counts[s]}" for s in STATUSES)
    board.teachers.touch()
    return redirect(url_for("teacher.index", saved=_t()("saved", summary=summary)))


@teacher.post("/teacher/family/allow")
def allow_family_messages():
    """The teacher lets the class read family messages for the rest of this lesson (issue #16)."""
    board = _board()
    if board.teachers.active() is None:
        return redirect(url_for("teacher.index"))
    board.teachers.touch()
    until = board.family().allow_during_lesson()
    said = _t()("family_allowed", time=until.astimezone(board.zone).strftime("%H:%M")) if until else \
        _t()("family_no_lesson")
    return redirect(url_for("teacher.index", saved=said))


@teacher.post("/teacher/logout")
def teacher_logout():
    _board().teachers.end()
    return redirect(url_for("home.index"))


@teacher.post("/checkin/tap")
def tap():
    """A card tap sent to the screen (the demo and tests; a board's own reader goes through edge/card_reader.py)."""
    board = _board()
    uid = (request.form.get("uid") or (request.get_json(silent=True) or {}).get("uid") or "").strip()
    if not uid or len(uid) > 32:
        return jsonify(outcome="unknown", message=_t()("not_found")), 400
    from edge.card_reader import handle_tap

    done = handle_tap(board, uid)  # the same path as a tap on the board's own reader
    result = done.result
    corner = url_for("corner.show", token=done.corner_token) if done.corner_token else None
    message = result.message_zh if current_app.config["LANG"] == "zh-CN" else result.message_en
    return jsonify(outcome=result.outcome, message=message, corner=corner)


@teacher.post("/checkin/face")
def face_tap():
    """Face check-in at the door, where the school turned it on: one frame, recognised students checked in."""
    from edge.faces import FaceError

    board = _board()
    faces = _faces(board)
    zh = current_app.config["LANG"] == "zh-CN"
    state = faces.status(board.class_id)
    if not state.available:
        return jsonify(outcome="unavailable", message=state.reason_zh if zh else state.reason_en), 503
    capture = current_app.config["HOOKS"].get("capture_frame")
    frame = capture() if capture else None
    if frame is None:
        return jsonify(outcome="unavailable", message=_t()("camera_unavailable")), 503
    try:
        results = faces.identify(frame, board.class_id)
    except FaceError as exc:
        return jsonify(outcome="unavailable", message=str(exc)), 503
    if not results:
        return jsonify(outcome="unknown", message=_t()("face_not_recognised"))
    return jsonify(outcome=results[0].outcome,
                   message="；".join(r.message_zh if zh else r.message_en for r in results))


@teacher.post("/checkin/card")
def card_shown():
    """A printed marker/QR card held up to the camera: checks in and opens the corner just as a card tap does.

    The frame is the camera's (``capture_frame`` hook), or an uploaded photo
    (``photo``) where a board has no camera of its own or in tests.
    """
    from edge.photo_rollcall import PhotoError

    board = _board()
    try:
        image = _frame()
    except PhotoError as exc:
        unavailable = exc.key == "camera_unavailable"
        return jsonify(outcome="unavailable" if unavailable else "unseen",
                       message=_t()(exc.key, **exc.values)), 503 if unavailable else 400
    result = board.checkin_desk().show_card(image)
    token = None
    if result.outcome in ("checked_in", "already"):  # the screen is told over its event stream, as after a tap
        token = board.student_tapped(result.student_id, result.method)
    message = result.message_zh if current_app.config["LANG"] == "zh-CN" else result.message_en
    return jsonify(outcome=result.outcome, message=message,
                   corner=url_for("corner.show", token=token) if token else None)


def _faces(board):
    """Face check-in for this board, its models loaded once per process (they are tens of MB)."""
    if "FACES" not in current_app.config:
        from edge.faces import FaceCheckIn
        current_app.config["FACES"] = FaceCheckIn.from_config(board)
    return current_app.config["FACES"]


def _addresses() -> list[str]:
    found = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            found.add(info[4][0])
    except OSError:
        pass
    return sorted(found)


@admin.route("/admin", methods=["GET", "POST"], endpoint="index")
def device_facts():
    board = _board()
    pin = board.config.ui.admin_pin
    if not pin:
        return render_template("message.html", title=_t()("admin"), message=_t()("not_available")), 404
    if request.method == "POST":
        if hmac.compare_digest(request.form.get("pin", ""), pin):
            session["admin"] = True
        else:
            return render_template("pin.html", action=url_for("admin.index"), prompt=_t()("admin_pin"),
                                   error=_t()("wrong_pin"), locked="")
    if not session.get("admin"):
        return render_template("pin.html", action=url_for("admin.index"), prompt=_t()("admin_pin"), error="", locked="")
    import segno
    from importlib.metadata import version
    claim = get_setting("enroll.claim_code") or ""
    qr = segno.make_qr(claim).svg_inline(scale=6) if claim else ""
    checkpoint = board.log.latest()  # signed anew if the log grew: a reviewer photographs the board's own word
    facts = {"device_id": board.id, "key_fingerprint": board.log.fingerprint(), "version": version("classboard"),
             "hub": get_setting("sync.hub_url") or board.config.hub.url or "—",
             "last_sync": get_setting("sync.last_ok_at") or _t()("never"), "outbox": board.usage.outbox_depth(),
             "addresses": ", ".join(_addresses()) or "—"}
    drivers = {k: getattr(board.config.drivers, k) for k in ("display", "camera", "audio", "microphone", "card_reader")}
    face = _faces(board).status(board.class_id)
    drivers["face"] = face.reason_zh if current_app.config["LANG"] == "zh-CN" else face.reason_en
    return render_template("admin.html", facts=facts, drivers=drivers, claim=claim, qr=qr,
                           checkpoint=checkpoint.text,
                           checkpoint_qr=segno.make_qr(checkpoint.text, error="m").svg_inline(scale=3),
                           enrolled=bool(get_setting("enroll.hub_public_key")), hooks=current_app.config["HOOKS"],
                           result=request.args.get("result", ""), error=get_setting("sync.last_error") or "")


@admin.post("/admin/test/<name>")
def admin_test(name: str):
    if not session.get("admin"):
        return redirect(url_for("admin.index"))
    hook = current_app.config["HOOKS"].get(name)
    if hook is None:
        return redirect(url_for("admin.index", result=_t()("not_available")))
    return redirect(url_for("admin.index", result=str(hook())))


@admin.post("/admin/logout")
def admin_logout():
    session.pop("admin", None)
    return redirect(url_for("home.index"))
