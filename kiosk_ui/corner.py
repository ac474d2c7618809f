"""A student's own corner (``/me/<token>``): shown for 15 s after their card checks them in.

The token is the open corner's, made on the board when the card was read and
good only while that corner is open; anything else goes home. What is shown
comes from ``edge/services/student_corner.py`` for that one student.
"""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for

corner = Blueprint("corner", __name__)


@corner.get("/me/<token>")
def show(token: str):
    view = current_app.config["BOARD"].corner.view(token[:64])
    if view is None:
        return redirect(url_for("home.index"))
    return render_template("corner.html", v=view, token=token, version="corner:" + token)


@corner.get("/me/<token>/family")
def family(token: str):
    """The family corner (kiosk_ui/family.py's fragment) for the open corner's student only, framed like the corner.

    Reached from the corner's 家长留言 card; the token stands for the student, so
    no student id is taken from the address.
    """
    board = current_app.config["BOARD"]
    view = board.corner.view(token[:64])
    if view is None:
        return redirect(url_for("home.index"))
    return render_template("corner_family.html", v=view, token=token, version="corner:" + token,
                           student_id=view.student_id, zone=board.zone,
                           messages=board.family().for_student(view.student_id))


@corner.get("/me/<token>/close")
def close(token: str):
    current_app.config["BOARD"].corner.close(token[:64])
    return redirect(url_for("home.index"))
