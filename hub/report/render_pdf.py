"""The report as a printable A4 PDF in Chinese: summary first, then each point's quoted clause and weeks."""
from __future__ import annotations

import io
from html import escape
from typing import Any

from .render import SUMMARY_HEAD, policy_lines, summary_cells
from .rules import UNIT_NAMES


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
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=10, leading=15)
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=10)
    head = ParagraphStyle("head", parent=body, fontSize=17, leading=24, spaceAfter=6)
    sub = ParagraphStyle("sub", parent=body, fontSize=13, leading=20, spaceBefore=10)
    style = TableStyle([("FONTNAME", (0, 0), (-1, -1), "STSong-Light"), ("FONTSIZE", (0, 0), (-1, -1), 7.5),
                        ("GRID", (0, 0), (-1, -1), 0.3, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9eef3"))])

    def table(rows: list[list[str]], widths: list[float] | None = None) -> Table:
        wrapped = [[Paragraph(escape(str(c)), small) for c in r] for r in rows]
        t = Table(wrapped, colWidths=widths, repeatRows=1)
        t.setStyle(style)
        return t

    story = [Paragraph(escape(report["title"] or "常态化应用报告"), head),
             Paragraph(f"统计期间 {report['from']} 至 {report['to']}（截至 {report['as_of']}）；教学周 "
                       f"{len(report['teaching_weeks'])} 周；班级 {len(report['classes'])} 个；使用记录 "
                       f"{report['records']} 条；日志保存 {report.get('retention_days', '')} 天。", body),
             Paragraph("汇总", sub), table([SUMMARY_HEAD] + [summary_cells(r) for r in report["summary"]]),
             Paragraph("学校自定口径（不是指标体系原文）", sub),
             Paragraph(f"{escape(report['policy']['name'])}；policy_sha256 {report['policy_sha256']}", small),
             table([["key", "取值", "含义"]] + [list(x) for x in policy_lines(report)], [40 * mm, 40 * mm, 94 * mm])]
    for point, data in report["points"].items():
        story += [Paragraph(f"{escape(point)} {escape(data['title'])}", sub),
                  Paragraph(f"指标原文：{escape(data['clause'])}", small),
                  Paragraph(f"指标描述：{escape(data['context'])}；适用定义：{'；'.join(data['applies'])}；"
                            f"计入的记录：{'、'.join(data['kinds'])}", small)]
        if not data["evidenced_by_boards"]:
            story.append(Paragraph("班牌不能提供证据（不是未达标）", body))
        for unit, u in data["units"].items():
            story += [Paragraph(f"按{UNIT_NAMES.get(unit, unit)}：{u['level']}；常态化 {u['常态化']['units']}/{u['total']}；"
                                f"持续化（学期）{u['持续化_学期']['units']}，（学年）{u['持续化_学年']['units']}", body),
                      Spacer(1, 2 * mm),
                      table([["教学周", "状态", "参与", "比例", "等级"]] + [
                          [w["week"], w["state"] + ("（短周）" if w["short"] else ""), str(w["units"]),
                           f"{w['share']:.0%}", w["level"]] for w in u["weeks"]], [30 * mm, 30 * mm, 20 * mm, 20 * mm, 30 * mm])]
    if "coverage" in report:
        c, d = report["coverage"], report["domestic_share"]
        story += [Paragraph("3.3.5 电子班牌覆盖与 3.3.3 国产终端", sub), Paragraph(escape(c["clause"]), small),
                  Paragraph(escape(d["clause"]), small),
                  Paragraph(f"{escape(c['rule'])}：{c['classes_covered']}/{c['classes_total']}，{c['level']}", body),
                  Paragraph(f"国产班牌 {d['domestic']}/{d['reported']}（{d['share']:.0%}，1/4 与 2/3 线）：{d['level']}", body)]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title="常态化应用报告", leftMargin=18 * mm, rightMargin=18 * mm,
                      topMargin=16 * mm, bottomMargin=16 * mm).build(story)
    return buffer.getvalue()
