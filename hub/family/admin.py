"""The school's side of families in the console: letters for a class, guardians, revocation, message counts.

Teachers see how many messages there are per class, never their content, unless the school's
policy (``teachers_read_content``, set by an admin here or with ``classboard hub family policy``)
says otherwise; then the page lists the last week's messages, voice ones playable, and every such
reading goes in the access log (``family.content``). See docs/family.md.
"""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, session

from ..access_log import log_access
from ..bundles import school_content
from ..console import needs
from . import accounts, messages, notify
from .letters import render_letters
from .models import FamilyMessage, Guardian, GuardianChild

family_admin = Blueprint("family_admin", __name__, url_prefix="/console/family", template_folder="templates")


@family_admin.get("/")
@needs("teacher")
def index():
    school = school_content()
    names = {s["id"]: s["name"] for s in school["students"]}
    links: dict[str, list[str]] = {}
    for row in GuardianChild.select():
        links.setdefault(row.guardian_id, []).append(f"{names.get(row.student_id, row.student_id)}（{row.relation}）")
    guardians = [{"id": gd.id, "login": gd.login, "children": links.get(gd.id, []), "revoked": gd.revoked_at}
                 for gd in Guardian.select().order_by(Guardian.created_at.desc()).limit(500)]
    since = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=7)
    counts = [{"class": c["name"], **messages.class_summary(c["id"], since)} for c in school["classes"]]
    policy = notify.policy()
    content = []
    if policy["teachers_read_content"]:
        content = messages.recent(since)
        _log_reading(f"{len(content)} messages listed")
    return render_template("family/admin.html", classes=school["classes"], guardians=guardians, counts=counts,
                           relations=accounts.RELATIONS, policy=policy, content=content,
                           class_names={c["id"]: c["name"] for c in school["classes"]})


def _log_reading(detail: str) -> None:
    """Reading a child's family messages is reading a minor's personal information: it leaves a trace (PIPL)."""
    log_access("family.content", actor=session.get("user", ""), address=request.remote_addr or "", detail=detail)


@family_admin.get("/messages/<message_id>/audio")
@needs("teacher")
def message_audio(message_id: str):
    """A voice message or reply, for the console only while the school's policy lets teachers read content."""
    from ..broadcast.announce import media_dir

    if not notify.policy()["teachers_read_content"]:
        abort(403)
    message = FamilyMessage.get_or_none(FamilyMessage.id == message_id)
    if message is None or not message.media_sha256:
        abort(404)
    path = media_dir(current_app.config["HUB"].data_dir) / message.media_sha256
    if not path.is_file():
        abort(404)
    _log_reading(f"voice message {message_id}")
    return send_file(path, mimetype="audio/wav", conditional=True)


@family_admin.post("/policy")
@needs("admin")
def set_content_policy():
    """The school's decision whether teachers read family messages' content (off unless an admin turns it on)."""
    allowed = request.form.get("teachers_read_content") == "on"
    notify.set_policy(teachers_read_content=allowed)
    log_access("family.policy", actor=session.get("user", ""), address=request.remote_addr or "",
               detail=f"teachers_read_content={'on' if allowed else 'off'}")
    flash("教师可以查看留言内容 / Teachers may read messages" if allowed else
          "教师只看到留言数量 / Teachers see message counts only")
    return redirect("/console/family/")


@family_admin.post("/letters")
@needs("admin")
def letters():
    try:
        ids = accounts.class_students(request.form.get("class_id", ""))
        codes = accounts.issue_codes(ids, request.form.get("relation", "家长"), int(request.form.get("days", 30)))
    except (accounts.FamilyError, ValueError) as exc:
        flash(str(exc))
        return redirect("/console/family/")
    out = io.BytesIO()
    render_letters(codes, request.host_url, school_content()["school"]["name"], out)
    out.seek(0)
    log_access("family.codes", actor=session.get("user", ""), address=request.remote_addr or "",
               detail=f"{len(codes)} codes for class {request.form.get('class_id')}")
    return send_file(out, mimetype="application/pdf", as_attachment=True,
                     download_name=f"family-letters-{request.form.get('class_id')}.pdf")


@family_admin.post("/revoke")
@needs("admin")
def revoke():
    try:
        guardian = accounts.revoke(request.form.get("guardian_id", ""))
    except accounts.FamilyError:
        abort(404)
    log_access("family.revoke", actor=session.get("user", ""), address=request.remote_addr or "",
               detail=f"guardian {guardian.login}")
    flash(f"已撤销 {guardian.login} / Revoked")
    return redirect("/console/family/")
