"""The report in the hub console."""
from __future__ import annotations

from flask import Blueprint, Response, request

from ..console import needs
from .service import make_report
from .render import render

report_blueprint = Blueprint("report", __name__)
TYPES = {"html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8", "json": "application/json",
         "pdf": "application/pdf"}


@report_blueprint.get("/console/report")
@needs("viewer")
def show():
    from .cache import content

    terms = content()[1]["calendar"]["terms"]  # parsed once per content, as make_report reads it
    term = request.args.get("term") or (terms[-1]["id"] if terms else None)
    fmt = request.args.get("format", "html")
    if fmt not in TYPES:
        return Response("format must be html, csv, json or pdf", status=400)
    try:
        figures = make_report(term, request.args.get("from"), request.args.get("to"))
    except ValueError as exc:
        return Response(str(exc), status=400)
    headers = {"Content-Disposition": f"attachment; filename=report.{fmt}"} if fmt != "html" else {}
    return Response(render(figures, fmt), mimetype=TYPES[fmt], headers=headers)
