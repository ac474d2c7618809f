"""The district page as an A4 landscape PDF for the city (市级): one table, levels coloured as on the page."""
from __future__ import annotations

import io
from html import escape
from typing import Any

COLOURS = {"l3": "#c8ecd2", "l2": "#fff1b8", "l1": "#f9d3cf", "l0": "#e4e7eb"}


def district_pdf(rows: list[dict[str, Any]], points: list[str], level_class, title: str) -> bytes:
    """reportlab's built-in Song CID font (as the school report uses): no font files needed."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    head = ParagraphStyle("head", fontName="STSong-Light", fontSize=15, leading=22, spaceAfter=6)
    cell = ParagraphStyle("cell", fontName="STSong-Light", fontSize=7, leading=9)
    header = ["学校", "学期", "班级", *points, "班牌在线", "证据", "记录"]
    body = [[r["name"], r["term"], r["classes"], *(r["levels"].get(p, "—") for p in points),
             f"{r['online']}/{r['boards']}", "；".join(x for x in (r.get("evidence", ""), r.get("archive", "")) if x),
             r["records"]] for r in rows]
    style = [("FONTNAME", (0, 0), (-1, -1), "STSong-Light"), ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
             ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9eef3")), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    for y, r in enumerate(rows, start=1):
        for x, p in enumerate(points, start=3):
            style.append(("BACKGROUND", (x, y), (x, y), colors.HexColor(COLOURS[level_class(r["levels"].get(p, ""))])))
    table = Table([[Paragraph(escape(str(c)), cell) for c in line] for line in [header, *body]], repeatRows=1)
    table.setStyle(TableStyle(style))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=landscape(A4), title=title, leftMargin=12 * mm, rightMargin=12 * mm,
                      topMargin=12 * mm, bottomMargin=12 * mm).build([Paragraph(escape(title), head), table])
    return buffer.getvalue()
