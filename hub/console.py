"""The hub's web console: boards, claiming, notices and commands. Chinese first, English second."""
from __future__ import annotations

import json
import secrets
import uuid
from datetime import datetime, timedelta, timezone
from functools import cache, wraps
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for

from .access_log import log_access
from .bundles import school_content
from .enrollment import EnrollmentError, claim_board
from .security import throttle
from .security.redirects import local_path
from .district.access import ROLE_RANK, school_for
from .models import Board, BundleRejection, CommandLog, ConsoleUser, Notice, UsageRecord
from .tenancy import DEFAULT, current, serve_school

console = Blueprint("console", __name__)
hasher = PasswordHasher()
ONLINE_WITHIN = timedelta(minutes=5)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def create_user(username: str, password: str, role: str = "admin", school: str = DEFAULT) -> str:
    """Create or reset a console user of ``school`` (ignored for district roles); returns a new API token."""
    import hashlib

    if role not in ROLE_RANK:
        raise ValueError(f"role must be one of {', '.join(ROLE_RANK)}")
    if len(password) < 8:
        raise ValueError("password must be at least 8 characters")
    token = "cbu_" + secrets.token_urlsafe(24)
    ConsoleUser.upsert(username=username, password_hash=hasher.hash(password), role=role, school=school,
                       api_token_hash=hashlib.sha256(token.encode()).hexdigest())
    return token


def needs(role: str):
    def wrap(view):
        @wraps(view)
        def inner(*args, **kwargs):
            user = ConsoleUser.get_or_none(ConsoleUser.username == session.get("user"))
            if user is None:
                return redirect(url_for("console.login", next=request.path))
            if ROLE_RANK[user.role] < ROLE_RANK[role]:
                abort(403)
            serve_school(school_for(user))
            sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf")  # header: scripts' POSTs
            if request.method not in SAFE_METHODS and (not sent or sent != session.get("csrf")):
                abort(400, "CSRF token missing or wrong; reload the page")
            return view(*args, **kwargs)
        return inner
    return wrap


@console.app_context_processor
def inject():
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return {"csrf": session["csrf"], "user": session.get("user"), "role": session.get("role"),
            "school": school_content()["school"]}


@console.route("/login", methods=["GET", "POST"])
def login():
    if request.method != "POST":
        return render_template("login.html")
    if request.form.get("csrf") != session.get("csrf"):
        abort(400, "CSRF token missing or wrong; reload the page")
    name, address = request.form.get("username", "")[:200], request.remote_addr or ""
    keys = throttle.keys_for_login(name, address)
    try:
        throttle.charge(keys)
    except throttle.Throttled as exc:
        log_access("login.throttled", actor=name, address=address, ok=False, detail=str(exc))
        flash(f"尝试次数过多，请 {exc.retry_after} 秒后再试 / Too many tries: wait {exc.retry_after} s")
        return render_template("login.html"), 429, {"Retry-After": str(exc.retry_after)}
    user = ConsoleUser.get_or_none(ConsoleUser.username == name)
    if not password_matches(user, request.form.get("password", "")):
        log_access("login.failed", actor=name, address=address, ok=False)
        flash("用户名或密码错误 / Wrong user name or password")
        return render_template("login.html"), 401
    throttle.cleared(keys[1][0], [keys[0][0]])
    log_access("login", actor=user.username, address=address)
    session.clear()
    session.update(user=user.username, role=user.role, csrf=secrets.token_urlsafe(24))
    return redirect(local_path(request.args.get("next")))


@cache
def _dummy_hash() -> str:
    return hasher.hash(secrets.token_urlsafe(16))


def password_matches(user: ConsoleUser | None, password: str) -> bool:
    """Argon2 runs whether or not the user exists, so timing does not tell which names are real."""
    try:
        hasher.verify(user.password_hash if user is not None else _dummy_hash(), password)
    except (VerifyMismatchError, InvalidHashError):
        return False
    return user is not None


@console.post("/logout")
@needs("viewer")
def logout():
    session.clear()
    return redirect(url_for("console.login"))


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def school_boards():
    """The boards of the school this request works in."""
    return Board.select().where(Board.school == current())


def _own_board(board_id: str) -> None:
    """Another school's board is as absent as an unknown one (404), so ids of other schools are not confirmed."""
    if not school_boards().where(Board.id == board_id).exists():
        abort(404)


@console.get("/")
@needs("viewer")
def boards():
    now = _now()
    rows = []
    for b in Board.select().where(Board.school == current()).order_by(Board.room_id, Board.id):
        health = json.loads(b.health or "{}")
        rows.append({"b": b, "online": bool(b.last_seen and now - b.last_seen < ONLINE_WITHIN), "health": health})
    rejections = (BundleRejection.select().join(Board, on=(Board.id == BundleRejection.board_id))
                  .where(Board.school == current()).order_by(BundleRejection.at.desc()).limit(10))
    school = school_content()
    return render_template("boards.html", rows=rows, rejections=rejections, rooms=school["rooms"],
                           classes=school["classes"], records=UsageRecord.select().join(
                               Board, on=(Board.id == UsageRecord.board_id)).where(Board.school == current()).count(),
                           tls_fingerprint=current_app.config.get("TLS_FINGERPRINT", ""))


@console.post("/claim")
@needs("admin")
def claim():
    try:
        claim_board(request.form.get("code", ""), request.form.get("room_id", ""), request.form.get("class_id") or None,
                    request.form.get("name", ""))
        flash("已认领，班牌将在下次连接时完成注册 / Claimed: the board enrolls on its next contact")
    except EnrollmentError as exc:
        flash(f"认领失败 / Claim refused: {exc}")
    return redirect(url_for("console.boards"))


@console.post("/boards/<board_id>/revoke")
@needs("admin")
def revoke(board_id: str):
    _own_board(board_id)
    Board.update(state="revoked").where(Board.id == board_id).execute()
    current_app.config["BROKER"].boards_changed()  # its broker user goes at once, not at the next restart
    log_access("revoke", actor=session.get("user", ""), address=request.remote_addr or "", detail=board_id)
    flash(f"{board_id} 已吊销 / revoked")
    return redirect(url_for("console.boards"))


@console.post("/boards/<board_id>/command")
@needs("teacher")
def command(board_id: str):
    name = request.form.get("command", "")
    if name not in ("screen_on", "screen_off", "sync_now", "reboot"):
        abort(400, "unknown command")
    _own_board(board_id)
    sent = current_app.config["PUSH"].command(school_content()["school"]["id"], board_id, name)
    CommandLog.create(at=_now(), user=session["user"], target=board_id, command=name)
    flash(f"{name} → {board_id}: {'已发送 / sent' if sent else '未连接消息服务器，班牌将在下次同步时执行 / no broker'}")
    return redirect(url_for("console.boards"))


@console.get("/notices")
@needs("viewer")
def notices():
    school = school_content()
    grades = sorted({c.get("grade", "") for c in school["classes"] if c.get("grade")})
    return render_template("notices.html", notices=Notice.select().where(Notice.school == current()).order_by(
        Notice.updated_at.desc()), classes=school["classes"], grades=grades, boards=school_boards())


def _local(text: str, zone: ZoneInfo) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)


@console.post("/notices")
@needs("teacher")
def add_notice():
    school = school_content()
    zone = ZoneInfo(school["school"].get("timezone", "Asia/Shanghai"))
    form = request.form
    title, body = form.get("title", "").strip(), form.get("body", "")
    scope = form.get("scope", "school")
    if not title or len(title) > 200 or len(body) > 20000 or scope not in ("school", "grade", "class", "board"):
        flash("通知标题必填（≤200 字），正文 ≤20000 字 / Title required (≤200), body ≤20000")
        return redirect(url_for("console.notices"))
    try:
        starts = _local(form.get("starts_at", ""), zone) or _now()
        ends = _local(form.get("ends_at", ""), zone)
    except ValueError:
        flash("时间格式错误 / Bad date or time")
        return redirect(url_for("console.notices"))
    emergency = form.get("emergency") == "on"
    Notice.create(id=f"HN-{uuid.uuid4().hex[:12]}", title=title, body=body, format=form.get("format", "text"),
                  priority=min(100, max(0, int(form.get("priority") or 0))), audience_scope=scope,
                  audience_value=form.get("value") or None, starts_at=starts, ends_at=ends, emergency=emergency,
                  author=session["user"], updated_at=_now(), school=current())
    push = current_app.config["PUSH"]
    school_id = school["school"]["id"]
    push.poke(school_id, [b.id for b in school_boards().where(Board.state == "enrolled")])
    if emergency:
        push.alert(school_id, title, body)
    flash("通知已发布，班牌将在几秒内显示 / Notice published")
    return redirect(url_for("console.notices"))


@console.post("/notices/<notice_id>/end")
@needs("teacher")
def end_notice(notice_id: str):
    notice = Notice.get_or_none((Notice.id == notice_id) & (Notice.school == current())) or abort(404)
    Notice.update(ends_at=_now(), updated_at=_now()).where(Notice.id == notice_id).execute()
    push = current_app.config["PUSH"]
    school_id = school_content()["school"]["id"]
    if notice.emergency:
        push.clear_alert(school_id)
    push.poke(school_id, [b.id for b in school_boards().where(Board.state == "enrolled")])
    return redirect(url_for("console.notices"))


@console.get("/school")
@needs("viewer")
def school():
    return render_template("school.html", s=school_content())
