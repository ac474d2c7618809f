"""The report as a page with charts, as CSV and JSON for machines, and as a printable A4 PDF in Chinese."""
from __future__ import annotations

import csv
import io
import json
from html import escape
from typing import Any

LEVEL_COLOUR = {"普及化": "#2e9e5b", "规模化": "#e0a100", "未达标": "#c8ced6"}


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)


def to_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["point", "title", "week", "classes_participating", "classes_total", "share", "level"])
    total = len(report["classes"])
    for point, data in report["points"].items():
        for w in data["weeks"]:
            writer.writerow([point, data["title"], w["week"], w["classes"], total, f"{w['share']:.4f}", w["level"]])
    writer.writerow([])
    writer.writerow(["point", "class_id", "class", "weeks_participating", "teaching_weeks", "常态化", "持续化"])
    for point, data in report["points"].items():
        for c in data["classes"]:
            writer.writerow([point, c["class_id"], c["name"], c["weeks"], len(report["teaching_weeks"]),
                             int(c["常态化"]), int(c["持续化"])])
    return "\ufeff" + out.getvalue()  # BOM so Excel on a school PC opens it as UTF-8


def heatmap_svg(report: dict[str, Any], point: str, cell: int = 18) -> str:
    data, weeks, classes = report["points"][point], report["teaching_weeks"], report["classes"]
    left, top = 110, 24
    width, height = left + cell * len(weeks) + 10, top + cell * len(classes) + 10
    parts = [f'<svg viewBox="0 0 {width} {height}" class="heat" role="img" aria-label="{escape(point)}">']
    for j, week in enumerate(weeks):
        if j % 4 == 0:
            parts.append(f'<text x="{left + j * cell}" y="14" font-size="10">{escape(week[5:])}</text>')
    for i, c in enumerate(classes):
        y = top + i * cell
        parts.append(f'<text x="0" y="{y + cell - 5}" font-size="11">{escape(c["name"][:9])}</text>')
        for j, on in enumerate(data["grid"][c["id"]]):
            colour = "#2e9e5b" if on else "#e6e9ee"
            parts.append(f'<rect x="{left + j * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{colour}">'
                         f'<title>{escape(c["name"])} {weeks[j]}: {"参与" if on else "未参与"}</title></rect>')
    parts.append("</svg>")
    return "".join(parts)


def share_svg(report: dict[str, Any], point: str, width: int = 760, height: int = 220) -> str:
    weeks = report["points"][point]["weeks"]
    pad = 36
    n = max(1, len(weeks) - 1)
    x = lambda i: pad + (width - 2 * pad) * i / n  # noqa: E731
    y = lambda v: height - pad - (height - 2 * pad) * v  # noqa: E731
    parts = [f'<svg viewBox="0 0 {width} {height}" class="share" role="img">']
    for label, value, colour in (("2/3 普及化", 2 / 3, "#2e9e5b"), ("1/4 规模化", 1 / 4, "#e0a100")):
        parts.append(f'<line x1="{pad}" x2="{width - pad}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="{colour}" '
                     f'stroke-dasharray="6 4"/><text x="{width - pad - 70}" y="{y(value) - 4:.1f}" font-size="11" '
                     f'fill="{colour}">{label}</text>')
    points = " ".join(f"{x(i):.1f},{y(w['share']):.1f}" for i, w in enumerate(weeks))
    parts.append(f'<polyline points="{points}" fill="none" stroke="#1f4e79" stroke-width="2.5"/>')
    for i, w in enumerate(weeks):
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(w["share"]):.1f}" r="3.5" fill="{LEVEL_COLOUR[w["level"]]}">'
                     f'<title>{w["week"]}: {w["share"]:.0%} {w["level"]}</title></circle>')
    parts.append(f'<text x="4" y="{y(1) + 4:.1f}" font-size="11">100%</text><text x="10" y="{y(0):.1f}" '
                 f'font-size="11">0</text></svg>')
    return "".join(parts)


def to_html(report: dict[str, Any]) -> str:
    sections = []
    for point, data in report["points"].items():
        term = data["term"]
        sections.append(
            f'<section><h2>{escape(point)} {escape(data["title"])}</h2>'
            f'<p>常态化班级 {term["常态化_classes"]} / {len(report["classes"])}，持续化班级 {term["持续化_classes"]}，'
            f'达到普及化的周 {term["weeks_普及化"]} / {len(report["teaching_weeks"])}，学期等级：<b>{term["level"]}</b></p>'
            f'<h3>每周参与班级比例 <small>Share of classes per week</small></h3>{share_svg(report, point)}'
            f'<h3>各班每周参与情况 <small>Weekly participation per class</small></h3>{heatmap_svg(report, point)}'
            f'</section>')
    return ("<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>常态化应用报告</title>"
            "<style>body{font-family:'Noto Sans CJK SC',sans-serif;margin:1.5rem;color:#1c2733}"
            "section{margin-bottom:2rem}svg{max-width:100%;height:auto}h2{border-bottom:2px solid #1f4e79}</style>"
            f"</head><body><h1>{escape(report['title'] or '常态化应用报告')}</h1>"
            f"<p>统计期间 {report['from']} 至 {report['to']}，教学周 {len(report['teaching_weeks'])} 周，"
            f"班级 {len(report['classes'])} 个，使用记录 {report['records']} 条。</p>{''.join(sections)}</body></html>")


def to_pdf(report: dict[str, Any]) -> bytes:
    """A4 for the school's self-assessment file; reportlab's built-in Song CID font, no font files needed."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=10.5, leading=16)
    head = ParagraphStyle("head", parent=body, fontSize=17, leading=24, spaceAfter=6)
    sub = ParagraphStyle("sub", parent=body, fontSize=13, leading=20, spaceBefore=10)
    story = [Paragraph(escape(report["title"] or "常态化应用报告"), head),
             Paragraph(f"统计期间 {report['from']} 至 {report['to']}；教学周 {len(report['teaching_weeks'])} 周；"
                       f"班级 {len(report['classes'])} 个；使用记录 {report['records']} 条。", body)]
    for point, data in report["points"].items():
        term = data["term"]
        story += [Paragraph(f"{escape(point)} {escape(data['title'])}", sub),
                  Paragraph(f"学期等级：{term['level']}；常态化班级 {term['常态化_classes']}；持续化班级 "
                            f"{term['持续化_classes']}；达到普及化的周 {term['weeks_普及化']}。", body), Spacer(1, 3 * mm)]
        rows = [["教学周", "参与班级", "比例", "等级"]] + [
            [w["week"], str(w["classes"]), f"{w['share']:.0%}", w["level"]] for w in data["weeks"]]
        table = Table(rows, colWidths=[35 * mm, 30 * mm, 25 * mm, 30 * mm], repeatRows=1)
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "STSong-Light"), ("FONTSIZE", (0, 0), (-1, -1), 9),
                                   ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9eef3"))]))
        story.append(table)
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title="常态化应用报告", leftMargin=18 * mm, rightMargin=18 * mm,
                      topMargin=16 * mm, bottomMargin=16 * mm).build(story)
    return buffer.getvalue()


def render(report: dict[str, Any], fmt: str) -> bytes:
    if fmt == "pdf":
        return to_pdf(report)
    text = {"html": to_html, "csv": to_csv, "json": to_json}[fmt](report)
    return text.encode("utf-8")
