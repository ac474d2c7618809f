"""The school's side of families in the console: letters for a class, guardians, revocation, message counts.

Teachers see how many messages there are per class, never their content, unless the school's
policy (``teachers_read_content``) says otherwise; see docs/family.md.
"""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, session

from ..access_log import log_access
from ..bundles import school_content
from ..console import needs
from . import accounts, messages, notify
from .letters import render_letters
from .models import Guardian, GuardianChild

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
    return render_template("family/admin.html", classes=school["classes"], guardians=guardians, counts=counts,
                           relations=accounts.RELATIONS, policy=notify.policy())


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
