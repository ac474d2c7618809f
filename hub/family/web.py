"""The family page at /family/: sign-in with a letter's code, the child's day, 亲情留言. Phone first, 中文 first.

Every child-scoped request goes through ``child_or_404``: a child who is not the signed-in
guardian's own gets the same 404 as a child who does not exist, whatever id is put in the URL.
A guardian's session carries the account's epoch; revocation bumps it, so the guardian is out
on the very next request.
"""
from __future__ import annotations

import secrets
from functools import wraps
from pathlib import Path

from flask import (Blueprint, Response, abort, current_app, g, jsonify, redirect, render_template, request, send_file,
                   session)

from ..access_log import log_access
from ..console import SAFE_METHODS
from ..security import throttle
from . import accounts, messages, notify
from .audio import MAX_UPLOAD_BYTES
from .day import child_day
from .models import FamilyMessage, FamilyNotification, Guardian

family = Blueprint("family", __name__, url_prefix="/family", template_folder="templates",
                   static_folder="static", static_url_path="/static")


def _addr() -> str:
    return request.remote_addr or ""


def current_guardian() -> Guardian | None:
    gid = session.get("fg")
    if not gid:
        return None
    guardian = Guardian.get_or_none(Guardian.id == gid)
    if guardian is None or guardian.revoked_at is not None or guardian.epoch != session.get("fe"):
        for key in ("fg", "fe"):
            session.pop(key, None)
        return None
    return guardian


def _csrf() -> str:
    if "fcsrf" not in session:
        session["fcsrf"] = secrets.token_urlsafe(24)
    return session["fcsrf"]


def guardian_required(view):
    @wraps(view)
    def inner(*args, **kwargs):
        guardian = current_guardian()
        api = request.path.startswith("/family/api/")
        if guardian is None:
            if api:
                return jsonify(error="请先登录 / Please sign in"), 401
            return redirect("/family/")
        g.guardian = guardian
        g.children = accounts.children_of(guardian.id)
        return view(*args, **kwargs)
    return inner


def child_or_404(student_id: str) -> str:
    """The relation word if this child is the guardian's own; otherwise 404, the same as for no such child."""
    relation = g.children.get(student_id)
    if relation is None:
        abort(404)
    return relation


@family.errorhandler(404)
def not_found(_exc):
    if request.path.startswith("/family/api/"):
        return jsonify(error="没有找到 / Not found"), 404
    return render_template("family/message.html", text="没有找到 / Not found"), 404


def _start_session(guardian: Guardian) -> None:
    session["fg"], session["fe"] = guardian.id, guardian.epoch
    session["fcsrf"] = secrets.token_urlsafe(24)


@family.before_request
def csrf_first():
    """Every state-changing family request carries the page's token (form field or X-CSRF-Token header),
    checked before anything else, signed in or not: the same rule as the console's."""
    if request.method in SAFE_METHODS:
        return None
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf")
    if sent and secrets.compare_digest(sent.encode(), (session.get("fcsrf") or "").encode()):
        return None
    if request.path.startswith("/family/api/"):
        return jsonify(error="CSRF token missing or wrong; reload the page"), 400
    return _refused("页面已过期，请重试 / The page expired (CSRF token missing or wrong); try again", 400)


@family.get("/")
def home():
    guardian = current_guardian()
    if guardian is None:
        return render_template("family/signin.html", code=request.args.get("code", "")[:20], csrf=_csrf())
    children = accounts.children_of(guardian.id)
    if len(children) == 1:
        return redirect(f"/family/child/{next(iter(children))}")
    names = accounts.students_by_id()
    kids = [{"id": sid, "name": names.get(sid, {}).get("name", sid)} for sid in sorted(children)]
    return render_template("family/children.html", children=kids, csrf=_csrf())


def _refused(template_error: str, status: int):
    return render_template("family/signin.html", code=request.form.get("code", "")[:20], csrf=_csrf(),
                           error=template_error), status


def _charge(event: str, keys: list, actor: str = ""):
    """Take one guess from each key's budget before the code or password is looked at; a refusal is a 429
    with Retry-After, in the access log like the console's."""
    try:
        throttle.charge(keys)
    except throttle.Throttled as exc:
        log_access(f"{event}.throttled", actor=actor, address=_addr(), ok=False, detail=str(exc))
        page, status = _refused(f"尝试次数过多，请 {exc.retry_after} 秒后再试 / Too many attempts; "
                                f"try again in {exc.retry_after} s", 429)
        return page, status, {"Retry-After": str(exc.retry_after)}
    return None


def _failed(event: str, message: str, status: int, actor: str = ""):
    log_access(f"{event}.failed", actor=actor, address=_addr(), ok=False, detail=message)
    return _refused(message, status)


def _signed_in(event: str, keys: list, guardian: Guardian, account_key: str | None = None):
    throttle.cleared(account_key, [key for key, _ in keys if key != account_key])
    log_access(event, actor=f"guardian:{guardian.id}", address=_addr())
    _start_session(guardian)
    return redirect("/family/")


@family.post("/enrol")
def enrol():
    keys = throttle.keys_for_guardian_code(_addr())
    refused = _charge("family.enrol", keys)
    if refused:
        return refused
    try:
        guardian = accounts.redeem(request.form.get("code", ""), request.form.get("login", ""),
                                   request.form.get("password", ""))
    except accounts.FamilyError as exc:
        return _failed("family.enrol", str(exc), exc.status)
    return _signed_in("family.enrol", keys, guardian)


@family.post("/login")
def login():
    name = request.form.get("login", "")[:40]
    keys = throttle.keys_for_guardian_login(name, _addr())
    refused = _charge("family.login", keys, name)
    if refused:
        return refused
    guardian = accounts.sign_in(name, request.form.get("password", ""))
    if guardian is None:
        return _failed("family.login", "登录名或密码错误 / Wrong sign-in name or password", 401, name)
    return _signed_in("family.login", keys, guardian, account_key=keys[1][0])


@family.post("/logout")
def logout():
    for key in ("fg", "fe", "fcsrf"):
        session.pop(key, None)
    return redirect("/family/")


def _day_payload(student_id: str) -> dict:
    notify.scan()
    day = child_day(student_id)
    if day is None:
        abort(404)
    day["messages"] = messages.thread(g.guardian.id, student_id)
    day["notifications"] = [{"id": n.id, "kind": n.kind, "text": n.text,
                             "at": n.at.strftime("%Y-%m-%dT%H:%M:%SZ"), "seen": n.seen}
                            for n in FamilyNotification.select().where(
                                (FamilyNotification.guardian_id == g.guardian.id) &
                                (FamilyNotification.student_id == student_id))
                            .order_by(FamilyNotification.at.desc()).limit(20)]
    return day


@family.get("/child/<student_id>")
@guardian_required
def child_page(student_id: str):
    relation = child_or_404(student_id)
    return render_template("family/child.html", day=_day_payload(student_id), relation=relation, csrf=_csrf(),
                           many=len(g.children) > 1)


@family.get("/api/children/<student_id>/day")
@guardian_required
def child_day_json(student_id: str):
    child_or_404(student_id)
    return jsonify(_day_payload(student_id))


@family.post("/api/children/<student_id>/messages")
@guardian_required
def send_message(student_id: str):
    relation = child_or_404(student_id)
    data_dir = Path(current_app.config["HUB"].data_dir)
    try:
        if request.mimetype in ("audio/wav", "audio/x-wav", "audio/wave"):
            if (request.content_length or 0) > MAX_UPLOAD_BYTES:
                return jsonify(error="录音太大 / The recording is too large"), 413
            message = messages.send(g.guardian.id, student_id, relation, data_dir, wav=request.get_data())
        else:
            body = request.get_json(silent=True) or {}
            message = messages.send(g.guardian.id, student_id, relation, data_dir, text=str(body.get("text", "")))
    except accounts.FamilyError as exc:
        return jsonify(error=str(exc)), exc.status
    _poke_class_boards(message.class_id)
    return jsonify(id=message.id, sent_at=message.sent_at.strftime("%Y-%m-%dT%H:%M:%SZ")), 201


def _poke_class_boards(class_id: str) -> None:
    """Push "pull now" to the class's boards, so the message arrives in seconds rather than at the next poll."""
    from ..bundles import school_id
    from ..models import Board

    boards = [b.id for b in Board.select(Board.id).where((Board.class_id == class_id) & (Board.state == "enrolled"))]
    if boards:
        current_app.config["PUSH"].poke(school_id(), boards)


@family.get("/api/messages/<message_id>/audio")
@guardian_required
def message_audio(message_id: str):
    from ..broadcast.announce import media_dir

    m = FamilyMessage.get_or_none(FamilyMessage.id == message_id)
    if m is None or m.guardian_id != g.guardian.id or m.student_id not in g.children or not m.media_sha256:
        abort(404)
    path = media_dir(current_app.config["HUB"].data_dir) / m.media_sha256
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="audio/wav", conditional=True)


@family.post("/api/notifications/seen")
@guardian_required
def notifications_seen():
    n = FamilyNotification.update(seen=True).where(FamilyNotification.guardian_id == g.guardian.id).execute()
    return jsonify(seen=n)


@family.after_request
def headers(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
    return response

