"""``/district``: the district's page (区县概览), for district admins and reviewers only."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, render_template, request, session

from ..console import needs
from ..models import ConsoleUser
from .access import is_district
from .overview import district_rows, points_of, silent_hours, sort_rows

district_blueprint = Blueprint("district", __name__, template_folder="templates")
LEVEL_CLASS = {"普及化": "l3", "达标": "l3", "规模化": "l2", "不能提供证据": "l0", "": "l0"}


@district_blueprint.get("/district")
@needs("viewer")
def overview():
    user = ConsoleUser.get_or_none(ConsoleUser.username == session.get("user"))
    if user is None or not is_district(user):
        abort(403, "区县页面仅限区县账号 / the district page is for district accounts")
    column, descending = request.args.get("sort", "name"), request.args.get("desc") == "1"
    rows = sort_rows(district_rows(refresh=request.args.get("refresh") == "1"), column, descending)
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
                     "问题 problem"])
    for r in rows:
        writer.writerow([r["id"], r["name"], r["term"], r["classes"], *(r["levels"].get(p, "") for p in points),
                         r["boards"], r["online"], r["online_share"], r["witnessed"], _blank(r.get("silent")),
                         r["records"], r["problem"]])
    return "\ufeff" + out.getvalue()


def _blank(value: object) -> object:
    """None (no witness asked) as an empty cell, not the word None."""
    return "" if value is None else value
