"""The console's class-life page: homework per class and subject, countdowns, evaluation categories, highlights."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request

from ..bundles import school_content
from ..console import needs
from . import store

classlife_blueprint = Blueprint("classlife", __name__, template_folder=str(Path(__file__).parent / "templates"))


def _today():
    zone = ZoneInfo(school_content()["school"].get("timezone") or "Asia/Shanghai")
    return datetime.now(timezone.utc).astimezone(zone).date()


@classlife_blueprint.get("/console/class-life")
@needs("teacher")
def page():
    school = school_content()
    return render_template("class_life.html", doc=store.load(), classes=school["classes"], today=_today())


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
        elif what == "highlights":
            store.set_highlights(form.getlist("class_id"))
        else:
            raise store.ClassLifeError(f"unknown: {what}")
    except store.ClassLifeError as exc:
        flash(f"未保存 Not saved: {exc}")
    else:
        flash("已保存，班牌将在下次同步时更新 Saved; boards update on their next sync")
    return redirect("/console/class-life")
