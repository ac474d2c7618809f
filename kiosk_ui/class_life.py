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
    """互动点播: the library's items already on this board; a sound plays in the room (the speaker hook), a video
    on this screen (its page below)."""
    from edge.services.media_library import cached, find, is_video, start_video

    form = request.form
    play = current_app.config["HOOKS"].get("play_media")
    t = current_app.config["T"]
    board = current_app.config["BOARD"]
    folder = board.config.data_path / "media"
    picked = find(folder, form.get("item", "")) if request.method == "POST" else None
    active = board.teachers.active()
    if picked is not None and is_video(picked) and active is not None and start_video(board, picked,
                                                                                         active.teacher_id):
        board.teachers.touch()
        return redirect(url_for("class_life.watch", item_id=picked["id"]))

    def start(board, teacher) -> None:  # a sound (a video whose file failed its check ends here too: refused)
        item = find(folder, form.get("item", ""))
        if play is None or item is None or is_video(item) or not play(item, teacher.teacher_id):
            raise ClassLifeError(t("not_available"))

    return _teacher_form("media.html", start, "media_playing",
                         lambda board: {"items": cached(folder), "speaker": play is not None})


@class_life.get("/teacher/media/watch/<item_id>")
def watch(item_id: str):
    """The picked video, full screen; an emergency takes the screen from it, its end goes back to the list."""
    from edge.services.media_library import find, video_seconds

    board = current_app.config["BOARD"]
    folder = board.config.data_path / "media"
    item = find(folder, item_id, video=True)
    if item is None or board.teachers.active() is None:  # played only as a teacher's recorded pick
        return redirect(url_for("class_life.media"))
    seconds = video_seconds(folder / item["sha256"])
    return render_template("video.html", item=item, idle=seconds + 30 if seconds else 3600)


@class_life.get("/media/video/<sha256>")
def video_file(sha256: str):
    """A library video's bytes for the screen's <video> (ranges served), only if its hash still matches."""
    from flask import send_file

    from edge.services.media_library import checked_file, cached, is_video, video_type

    folder = current_app.config["BOARD"].config.data_path / "media"
    item = next((i for i in cached(folder) if i["sha256"] == sha256 and is_video(i)), None)
    path = checked_file(folder, item) if item is not None else None
    if path is None:
        return "", 404
    return send_file(path, mimetype=video_type(path), conditional=True, max_age=0)
