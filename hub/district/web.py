"""``/district``: the district's page (区县概览), for district admins and reviewers only."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, session

from ..console import needs
from ..models import ConsoleUser
from ..uploads import UploadRefused
from .access import is_district
from . import evidence
from .overview import district_rows, points_of, silent_hours, sort_rows

district_blueprint = Blueprint("district", __name__, template_folder="templates")
MAX_SET_BYTES = 200 * 1024 * 1024  # a district's OneRoster zip; its unpacked size is capped by the importer
LEVEL_CLASS = {"普及化": "l3", "达标": "l3", "规模化": "l2", "不能提供证据": "l0", "": "l0"}


@district_blueprint.get("/district")
@needs("viewer")
def overview():
    user = ConsoleUser.get_or_none(ConsoleUser.username == session.get("user"))
    if user is None or not is_district(user):
        abort(403, "区县页面仅限区县账号 / the district page is for district accounts")
    column, descending = request.args.get("sort", "name"), request.args.get("desc") == "1"
    rows = sort_rows(district_rows(refresh=request.args.get("refresh") == "1"), column, descending)
    checked = evidence.verdicts([r["school"] for r in rows])  # read live: an upload shows at once
    for r in rows:
        r["archive"] = evidence.label(checked.get(r["school"]))
    points = points_of(rows)
    if request.args.get("format") == "csv":
        return Response(_csv(rows, points), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename=district.csv"})
    if request.args.get("format") == "pdf":
        from .pdf import district_pdf

        return Response(district_pdf(rows, points, level_class, "区县常态化应用概览 District overview"),
                        mimetype="application/pdf", headers={"Content-Disposition": "attachment; filename=district.pdf"})
    return render_template("district.html", rows=rows, points=points, sort=column, desc=descending,
                           level_class=level_class, silent_hours=silent_hours())


def level_class(level: str) -> str:
    """The cell's colour class: green, yellow, red, grey (as on the page and in the PDF)."""
    return LEVEL_CLASS.get(level, "l1")


def _csv(rows: list[dict], points: list[str]) -> str:
    """With a BOM, so Excel and WPS open the Chinese text as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["学校编号 school", "学校 name", "学期 term", "班级 classes", *points, "班牌 boards",
                     "在线 online", "在线率 online share", "见证 witnessed", "沉默 silent", "记录 records",
                     "证据包核验 archive", "问题 problem"])
    for r in rows:
        writer.writerow([r["id"], r["name"], r["term"], r["classes"], *(r["levels"].get(p, "") for p in points),
                         r["boards"], r["online"], r["online_share"], r["witnessed"], _blank(r.get("silent")),
                         r["records"], r.get("archive", ""), r["problem"]])
    return "\ufeff" + out.getvalue()


def _blank(value: object) -> object:
    """None (no witness asked) as an empty cell, not the word None."""
    return "" if value is None else value


@district_blueprint.before_request
def _room_for_archives() -> None:
    """An evidence archive may be far larger than the hub's limit for record batches: allow it on its route."""
    if request.endpoint == "district.upload_evidence":
        request.max_content_length = evidence.MAX_ARCHIVE_BYTES
    elif request.endpoint == "district.import_set":
        request.max_content_length = MAX_SET_BYTES


@district_blueprint.get("/district/evidence")
@needs("viewer")
def evidence_page():
    """One school's uploaded archive and its verdict: the school's own admins upload, the district reads."""
    from ..bundles import school_content
    from ..tenancy import current

    user = ConsoleUser.get_or_none(ConsoleUser.username == session.get("user"))
    verdict = evidence.verdict_of(current())
    if request.args.get("format") == "json":
        return jsonify(verdict or {})
    return render_template("district_evidence.html", verdict=verdict, label=evidence.label(verdict),
                           may_upload=user.role in ("admin", "district_admin"), school_name=school_content()[
                               "school"].get("name", ""), school_id=current(),
                           witness=bool(current_app.config["HUB"].witness_url),
                           max_mb=evidence.MAX_ARCHIVE_BYTES >> 20)


@district_blueprint.post("/district/evidence")
@needs("admin")
def upload_evidence():
    """The archive as the request body (application/zip), streamed to disk; verified in the background."""
    from ..access_log import log_access
    from ..tenancy import current

    try:
        upload = evidence.take_upload(current_app.config["HUB"].data_dir, current(), request.stream,
                                      request.content_length)
    except UploadRefused as exc:
        return jsonify({"error": str(exc)}), 400
    log_access("evidence.upload", actor=session.get("user", ""), address=request.remote_addr or "",
               detail=f"{current() or '(default)'} {upload['sha256']} {upload['bytes']} bytes")
    evidence.start_check(current_app._get_current_object(), current(), upload)
    return jsonify(dict(upload, state="verifying")), 202


@district_blueprint.get("/district/import")
@needs("district_admin")
def import_page():
    """The district's OneRoster set (orgs.csv with one district and its schools), uploaded whole with a progress
    bar: a dry run shows every school's plan, the import stores them all or nothing."""
    return render_template("district_import.html", max_mb=MAX_SET_BYTES >> 20)


@district_blueprint.post("/district/import")
@needs("district_admin")
def import_set():
    import tempfile

    from ..access_log import log_access
    from ..importers.errors import ImportRejected
    from ..uploads import receive_zip
    from .oneroster import apply_district, format_district, read_district

    dry_run = request.args.get("dry_run") == "1"
    with tempfile.TemporaryDirectory(prefix="classboard-district-") as tmp:
        try:
            got = receive_zip(request.stream, request.content_length, Path(tmp), MAX_SET_BYTES)
            district = read_district(got.path)
        except UploadRefused as exc:
            return jsonify({"error": str(exc)}), 400
        except ImportRejected as exc:
            return jsonify({"error": str(exc), "problems": [str(p) for p in exc.problems]}), 422
        if not dry_run:
            apply_district(district)
            log_access("district.import", actor=session.get("user", ""), address=request.remote_addr or "",
                       detail=f"{got.sha256} {len(district.schools)} schools")
    return jsonify({"plan": format_district(district), "applied": not dry_run, "schools": len(district.schools)})
