"""Teacher pages for class life at the board: praise or points for students (学生评价) and posting homework.

Only for a teacher signed in at the board (PIN or card); the rules (categories,
points, limits, the record naming the teacher) live in
``edge/services/class_life.py``.
"""
from __future__ import annotations

from typing import Any, Callable

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from edge.services.class_life import POINTS, ClassLifeError

class_life = Blueprint("class_life", __name__)


def _teacher_form(template: str, save: Callable[[Any, Any], None], saved_key: str,
                  context: Callable[[Any], dict[str, Any]]):
    """GET shows the form; POST saves through ``save(board, teacher)`` and comes back saying so, or says why not."""
    board = current_app.config["BOARD"]
    active = board.teachers.active()
    if active is None:
        return redirect(url_for("teacher.index"))
    board.teachers.touch()
    t = current_app.config["T"]
    error = ""
    if request.method == "POST":
        try:
            save(board, active)
            return redirect(url_for(request.endpoint, saved=t(saved_key)))
        except ClassLifeError as exc:
            error = str(exc)
    return render_template(template, teacher=active, error=error, saved=request.args.get("saved", ""),
                           form=request.form, **context(board)), 400 if error else 200


def _points(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ClassLifeError(current_app.config["T"]("evaluation_points_bad")) from None


@class_life.route("/teacher/evaluate", methods=["GET", "POST"])
def evaluate():
    form = request.form
    return _teacher_form(
        "evaluate.html",
        lambda board, teacher: board.class_life.evaluate(teacher.teacher_id, board.class_id, form.getlist("student"),
                                                         form.get("category", ""), _points(form.get("points", "1")),
                                                         form.get("reason", "")),
        "evaluation_saved",
        lambda board: {"roster": board.rollcall.roster(board.class_id) if board.class_id else [],
                       "categories": board.class_life.categories(), "points": [p for p in POINTS if p > 0]})


@class_life.route("/teacher/homework", methods=["GET", "POST"])
def homework():
    form = request.form
    return _teacher_form(
        "homework.html",
        lambda board, teacher: board.class_life.post_homework(teacher.teacher_id, board.class_id,
                                                              form.get("subject", ""), form.get("text", ""),
                                                              form.get("due", "")),
        "homework_saved",
        lambda board: {"items": board.class_life.homework(board.class_id),
                       "today": board.clock.now().astimezone(board.zone).date().isoformat()})


@class_life.route("/teacher/media", methods=["GET", "POST"])
def media():
    """互动点播: the library's items already on this board; a pick plays in the room (the speaker hook)."""
    from edge.services.media_library import cached

    form = request.form
    play = current_app.config["HOOKS"].get("play_media")
    t = current_app.config["T"]

    def start(board, teacher) -> None:
        item = next((i for i in cached(board.config.data_path / "media") if i["id"] == form.get("item")), None)
        if play is None or item is None or not play(item, teacher.teacher_id):
            raise ClassLifeError(t("not_available"))

    return _teacher_form("media.html", start, "media_playing",
                         lambda board: {"items": cached(board.config.data_path / "media"), "speaker": play is not None})
