"""The console's class-life page: homework per class and subject, countdowns, evaluation categories, highlights."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for

from ..bundles import school_content
from ..console import needs
from ..models import Board
from . import store

classlife_blueprint = Blueprint("classlife", __name__, template_folder=str(Path(__file__).parent / "templates"))


def _today():
    zone = ZoneInfo(school_content()["school"].get("timezone") or "Asia/Shanghai")
    return datetime.now(timezone.utc).astimezone(zone).date()


@classlife_blueprint.before_request
def _room_for_videos() -> None:
    """The library's upload may be a video: allow its size for that one route (the hub's limit suits record batches)."""
    from .media import MAX_VIDEO_BYTES

    if request.endpoint == "classlife.change" and (request.view_args or {}).get("what") == "media":
        request.max_content_length = MAX_VIDEO_BYTES + (1 << 20)


@classlife_blueprint.get("/console/class-life")
@needs("teacher")
def page():
    school = school_content()
    chosen = request.args.get("class") or (school["classes"][0]["id"] if school["classes"] else "")
    students = [s for s in school["students"] if s.get("class_id") == chosen]
    return render_template("class_life.html", doc=store.load(), classes=school["classes"], today=_today(),
                           chosen=chosen, students=students)


@classlife_blueprint.post("/console/class-life/<what>")
@needs("teacher")
def change(what: str):
    form = request.form
    try:
        if what == "homework":
            store.add_homework(form.get("class_id", ""), form.get("subject", ""), form.get("text", ""),
                               form.get("due", ""), None, _today())
        elif what == "countdown":
            store.set_countdown(form.get("title", ""), form.get("date", ""))
        elif what == "categories":
            store.set_categories(form.get("categories", "").replace("，", ",").split(","))
        elif what == "media":
            upload = request.files.get("file")
            store.add_media(current_app.config["HUB"].data_dir, form.get("title", ""),
                            upload.read() if upload is not None else b"")
        elif what == "evaluation":
            store.add_evaluation(form.get("class_id", ""), form.getlist("student"), form.get("category", ""),
                                 form.get("points", ""), form.get("reason", ""), session["user"], _today())
        elif what == "highlights":
            store.set_highlights(form.getlist("class_id"))
        else:
            raise store.ClassLifeError(f"unknown: {what}")
    except store.ClassLifeError as exc:
        flash(f"未保存 Not saved: {exc}")
    else:
        _poke_boards()
        flash("已保存，班牌将在几秒内更新 Saved; boards update in a few seconds")
    back = {"class": form.get("class_id", "")} if what == "evaluation" else {}
    return redirect(url_for("classlife.page", **back))


def _poke_boards() -> None:
    """Tell the boards to pull now (MQTT), as a published notice does; their bundles changed only where it matters."""
    boards = [b.id for b in Board.select(Board.id).where(Board.state == "enrolled")]
    if boards:
        current_app.config["PUSH"].poke(school_content()["school"]["id"], boards)
