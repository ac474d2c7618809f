"""亲情留言 on the board's screen: a partial the student's corner includes after a card tap, and its buttons.

Thin: every answer comes from ``board.family()`` (edge/services/family_messages.py).
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request

from edge.services.family_messages import HeldDuringLesson, MicrophoneError

family = Blueprint("family", __name__, url_prefix="/family")


def _board():
    return current_app.config["BOARD"]


@family.get("/corner/<student_id>")
def corner(student_id: str):
    """The fragment for the student's own corner (screens' card-tap screen includes it)."""
    return render_template("family_partial.html", student_id=student_id, zone=_board().zone,
                           messages=_board().family().for_student(student_id))


@family.post("/tap")
def tap():
    """A card tap that opens the messages (the demo's simulated reader posts the uid here)."""
    from edge.checkin import card_hash
    from edge.store import models as m

    board = _board()
    uid = (request.form.get("uid") or (request.get_json(silent=True) or {}).get("uid") or "").strip()
    student = m.Student.get_or_none(m.Student.card_hash == card_hash(board.card_key(), uid)) if uid else None
    if student is None:
        return jsonify(error=current_app.config["T"]("not_found")), 404
    return corner(student.id)


def _student() -> str:
    return str((request.get_json(silent=True) or {}).get("student_id") or request.form.get("student_id") or "")


def _held(exc: HeldDuringLesson):
    """409: the class has a lesson; the screen says when the message opens (the board's local time)."""
    until = exc.until.astimezone(_board().zone).strftime("%H:%M")
    return jsonify(error=f"上课时间，{until} 下课后可以看 / In a lesson: opens after {until}", held_until=until), 409


@family.post("/open/<message_id>")
def open_message(message_id: str):
    try:
        item = _board().family().open(message_id, _student())
    except KeyError:
        return jsonify(error="no such message"), 404
    except HeldDuringLesson as exc:
        return _held(exc)
    return jsonify(id=item["id"], text=item.get("text", ""), played=item["played"])


@family.post("/reply/<message_id>")
def reply(message_id: str):
    """Records the child's answer with the board's microphone (the request lasts as long as the recording)."""
    try:
        rid = _board().family().reply(message_id, _student(), request.form.get("seconds", "5"))
    except KeyError:
        return jsonify(error="no such message"), 404
    except ValueError as exc:
        return jsonify(error=str(exc)), 400
    except HeldDuringLesson as exc:
        return _held(exc)
    except MicrophoneError as exc:
        return jsonify(error=f"现在不能录音 / Cannot record now: {exc}"), 503
    return jsonify(id=rid), 201


@family.post("/allow")
def allow():
    """The teacher signed in at the board lets messages open during the lesson on now (until it ends)."""
    try:
        until = _board().family().allow_during_lesson()
    except PermissionError:
        return jsonify(error="请老师先登录 / A teacher must be signed in"), 403
    if until is None:
        return jsonify(allowed_until=None)
    return jsonify(allowed_until=until.astimezone(_board().zone).strftime("%H:%M"))
