"""The import page in the hub console: upload a OneRoster zip or a timetable, see counts or problems.

Admins only, because an import replaces the school's roster or timetables. The upload is
written to a private temporary folder and read by the same importers the CLI uses.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, flash, render_template, request

from hub.console import needs

from . import read_any
from .apply import SECTIONS, is_noop, run
from .errors import ImportRejected

import_blueprint = Blueprint("imports", __name__)
MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # a school's OneRoster zip or timetable; the hub's 2 MB suits record batches


@import_blueprint.before_request
def _room_for_rosters() -> None:
    if request.endpoint == "imports.import_page":
        request.max_content_length = MAX_UPLOAD_BYTES


SUFFIXES = {"oneroster": (".zip",), "timetable": (".csv", ".yaml", ".yml")}


def _upload_name(filename: str, kind: str) -> str | None:
    """The uploaded file's own base name (problems cite it), or None when its type does not fit."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    suffix = Path(base).suffix.lower()
    if suffix not in SUFFIXES[kind]:
        return None
    return base if base and not base.startswith(".") else f"upload{suffix}"


@import_blueprint.route("/console/import", methods=["GET", "POST"])
@needs("admin")
def import_page():
    from hub.bundles import school_content

    classes = school_content()["classes"]
    if request.method == "GET":
        return render_template("import.html", classes=classes, counts=None, problems=None, sections=SECTIONS)
    kind = request.form.get("kind", "oneroster")
    upload = request.files.get("file")
    dry_run = request.form.get("dry_run") == "on"
    name = _upload_name(upload.filename or "", kind) if upload and kind in SUFFIXES else None
    if name is None:
        flash("请选择文件：OneRoster 用 .zip，课表用 .csv 或 CSES .yaml / "
              "Choose a file: a .zip for OneRoster, a .csv or CSES .yaml for a timetable")
        return render_template("import.html", classes=classes, counts=None, problems=None,
                               sections=SECTIONS), 400
    with tempfile.TemporaryDirectory(prefix="classboard-import-") as tmp:
        path = Path(tmp) / name
        upload.save(path)
        try:
            result = read_any(kind, path, request.form.get("class_id") or None)
            counts = run(result, dry_run)
        except ImportRejected as exc:
            return render_template("import.html", classes=classes, counts=None, problems=exc.problems,
                                   summary=str(exc), sections=SECTIONS), 422
    if dry_run:
        flash("试运行：未做任何更改 / Dry run: nothing was changed")
    elif is_noop(counts):
        flash("无需更改：中心已有这些数据 / Nothing to change: the hub already has this data")
    else:
        flash(f"已导入 {result.source} / Imported")
    return render_template("import.html", classes=school_content()["classes"], counts=counts,
                           notes=result.notes, problems=None, dry_run=dry_run, sections=SECTIONS)
