"""The console's broadcast and live-paging page; the relay endpoints its script posts to."""
from __future__ import annotations

import threading
import time
from pathlib import Path

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session

from .announce import BroadcastError, Page, announce, store_media, zones
from ..bundles import school_id
from ..console import needs
from ..models import CommandLog

broadcast_blueprint = Blueprint("broadcast", __name__, static_folder=str(Path(__file__).parents[1] / "static"),
                                static_url_path="/console/static")
PAGES: dict[str, tuple[Page, float]] = {}
_PAGES_LOCK = threading.Lock()
PAGE_IDLE_S = 30.0


@broadcast_blueprint.get("/console/broadcast")
@needs("teacher")
def page_view():
    log = (CommandLog.select().where(CommandLog.command.in_(["broadcast", "page"]))
           .order_by(CommandLog.at.desc()).limit(20))
    return render_template("broadcast.html", zones=zones(), log=log)


@broadcast_blueprint.post("/console/broadcast")
@needs("teacher")
def send_broadcast():
    hub = current_app.config["HUB"]
    upload = request.files.get("sound")
    try:
        media = store_media(hub.data_dir, upload.read()) if upload is not None and upload.filename else None
        item = announce(current_app.config["PUSH"], school_id(), request.form.get("zone", ""), user=session["user"],
                        media=media, text=(request.form.get("text") or "").strip() or None,
                        name=upload.filename if media else "", delay_s=float(request.form.get("delay") or 3))
    except (BroadcastError, ValueError) as exc:
        flash(f"未发送 Not sent: {exc}")
    else:
        flash(f"已安排 Scheduled: {item['start_at']} 开始")
    return redirect("/console/broadcast")


def _live(page_id: str) -> Page | None:
    with _PAGES_LOCK:
        now = time.monotonic()
        for pid, (page, last) in list(PAGES.items()):
            if now - last > PAGE_IDLE_S:  # the operator's browser went away: end it for the boards
                del PAGES[pid]
                try:
                    page.end()
                except BroadcastError:
                    pass
        entry = PAGES.get(page_id)
        if entry is None or entry[0].user != session.get("user"):
            return None
        PAGES[page_id] = (entry[0], now)
        return entry[0]


@broadcast_blueprint.post("/console/page/start")
@needs("teacher")
def page_start():
    body = request.get_json(silent=True) or {}
    try:
        page = Page(current_app.config["PUSH"], school_id(), str(body.get("zone", "")), session["user"])
    except BroadcastError as exc:
        return jsonify(error=str(exc)), 400
    with _PAGES_LOCK:
        PAGES[page.id] = (page, time.monotonic())
    return jsonify(page_id=page.id)


@broadcast_blueprint.post("/console/page/<page_id>/<any(chunk, end):action>")
@needs("teacher")
def page_step(page_id: str, action: str):
    """The next chunk of the operator's voice, or the end of the page."""
    page = _live(page_id)
    if page is None:
        return jsonify(error="no such live page"), 404
    try:
        if action == "chunk":
            page.chunk(request.get_data())
        else:
            with _PAGES_LOCK:
                PAGES.pop(page_id, None)
            page.end()
    except BroadcastError as exc:
        return jsonify(error=str(exc)), 400
    return "", 204
