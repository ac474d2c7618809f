"""Teacher pages for class life at the board: praise or points for students (学生评价) and posting homework.

Only for a teacher signed in at the board (PIN or card); the rules (categories,
points, limits, the record naming the teacher) live in
``edge/services/class_life.py``.
"""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from edge.services.class_life import POINTS, ClassLifeError

class_life = Blueprint("class_life", __name__)


def _signed_in():
    board = current_app.config["BOARD"]
    active = board.teachers.active()
    if active is not None:
        board.teachers.touch()
    return board, active


@class_life.route("/teacher/evaluate", methods=["GET", "POST"])
def evaluate():
    board, active = _signed_in()
    if active is None:
        return redirect(url_for("teacher.index"))
    t = current_app.config["T"]
    error, saved = "", request.args.get("saved", "")
    if request.method == "POST":
        try:
            points = int(request.form.get("points", "1"))
            board.class_life.evaluate(active.teacher_id, board.class_id, request.form.getlist("student"),
                                      request.form.get("category", ""), points, request.form.get("reason", ""))
            return redirect(url_for("class_life.evaluate", saved=t("evaluation_saved")))
        except (ClassLifeError, ValueError) as exc:
            error = str(exc) if isinstance(exc, ClassLifeError) else t("evaluation_points_bad")
    roster = board.rollcall.roster(board.class_id) if board.class_id else []
    return render_template("evaluate.html", teacher=active, roster=roster, categories=board.class_life.categories(),
                           points=[p for p in POINTS if p > 0], error=error, saved=saved,
                           form=request.form), 400 if error else 200


@class_life.route("/teacher/homework", methods=["GET", "POST"])
def homework():
    board, active = _signed_in()
    if active is None:
        return redirect(url_for("teacher.index"))
    t = current_app.config["T"]
    error, saved = "", request.args.get("saved", "")
    if request.method == "POST":
        try:
            board.class_life.post_homework(active.teacher_id, board.class_id, request.form.get("subject", ""),
                                           request.form.get("text", ""), request.form.get("due", ""))
            return redirect(url_for("class_life.homework", saved=t("homework_saved")))
        except ClassLifeError as exc:
            error = str(exc)
    today = board.clock.now().astimezone(board.zone).date().isoformat()
    return render_template("homework.html", teacher=active, items=board.class_life.homework(board.class_id),
                           error=error, saved=saved, today=today, form=request.form), 400 if error else 200
