"""The report as a page: the summary first, then per point its quoted clause, charts and heat map."""
from __future__ import annotations

from html import escape
from typing import Any

from .render import LEVEL_COLOUR, SUMMARY_HEAD, policy_lines, summary_cells
from . import clauses
from .rules import UNIT_NAMES

CELL = {1: ("#2e9e5b", "参与"), 0: ("#e6e9ee", "未参与"), -1: ("#ffffff", "未到")}


def heatmap_svg(report: dict[str, Any], unit: dict[str, Any], label: str, cell: int = 18) -> str:
    weeks, people = report["weeks"], unit["members"]
    left, top = 110, 24
    width, height = left + cell * len(weeks) + 10, top + cell * len(people) + 10
    parts = [f'<svg viewBox="0 0 {width} {height}" class="heat" role="img" aria-label="{escape(label)}">']
    for j, week in enumerate(weeks):
        if j % 4 == 0:
            parts.append(f'<text x="{left + j * cell}" y="14" font-size="10">{escape(week["week"][5:])}</text>')
    for i, m in enumerate(people):
        y = top + i * cell
        parts.append(f'<text x="0" y="{y + cell - 5}" font-size="11">{escape(m["name"][:9])}</text>')
        for j, value in enumerate(unit["grid"][m["id"]]):
            colour, word = CELL[value]
            dash = ' stroke="#c8ced6" stroke-dasharray="2 2"' if weeks[j]["short"] or value == -1 else ""
            parts.append(f'<rect x="{left + j * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{colour}"'
                         f'{dash}><title>{escape(m["name"])} {weeks[j]["week"]}: {word}</title></rect>')
    parts.append("</svg>")
    return "".join(parts)


def share_svg(unit: dict[str, Any], width: int = 760, height: int = 200) -> str:
    weeks = unit["weeks"]
    pad = 36
    n = max(1, len(weeks) - 1)
    x = lambda i: pad + (width - 2 * pad) * i / n  # noqa: E731
    y = lambda v: height - pad - (height - 2 * pad) * v  # noqa: E731
    parts = [f'<svg viewBox="0 0 {width} {height}" class="share" role="img">']
    for label, value, colour in (("2/3 普及化", 2 / 3, "#2e9e5b"), ("1/4 规模化", 1 / 4, "#e0a100")):
        parts.append(f'<line x1="{pad}" x2="{width - pad}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="{colour}" '
                     f'stroke-dasharray="6 4"/><text x="{width - pad - 70}" y="{y(value) - 4:.1f}" font-size="11" '
                     f'fill="{colour}">{label}</text>')
    done = [(i, w) for i, w in enumerate(weeks) if w["state"] != "future"]
    points = " ".join(f"{x(i):.1f},{y(w['share']):.1f}" for i, w in done)
    parts.append(f'<polyline points="{points}" fill="none" stroke="#1f4e79" stroke-width="2.5"/>')
    for i, w in done:
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(w["share"]):.1f}" r="3.5" fill="{LEVEL_COLOUR[w["level"]]}">'
                     f'<title>{w["week"]}: {w["share"]:.0%} {w["level"]}</title></circle>')
    parts.append(f'<text x="4" y="{y(1) + 4:.1f}" font-size="11">100%</text><text x="10" y="{y(0):.1f}" '
                 f'font-size="11">0</text></svg>')
    return "".join(parts)


def _table(head: list[str], rows: list[list[str]], cls: str = "") -> str:
    return (f'<table class="{cls}"><tr>{"".join(f"<th>{escape(h)}</th>" for h in head)}</tr>'
            + "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows) + "</table>")


def _point(report: dict[str, Any], point: str, data: dict[str, Any]) -> str:
    quote = (f'<blockquote class="source">{escape(data["clause"])}<br><small>指标描述：{escape(data["context"])}'
             f'</small><br><small>适用定义：' + "；".join(escape(report_def) for report_def in data["applies"])
             + f'</small><br><small>计入的记录：{escape("、".join(data["kinds"]))}；口径见“学校自定口径”</small>'
             f'</blockquote>')
    if not data["evidenced_by_boards"]:
        quote += "<p><b>班牌不能提供证据</b>（班牌尚未产生此观测点所列种类的记录；不是未达标） Not evidenced by boards.</p>"
    parts = [f'<section><h2>{escape(point)} {escape(data["title"])}</h2>{quote}']
    for unit, u in data["units"].items():
        name = UNIT_NAMES.get(unit, unit)
        parts.append(f'<h3>按{name}统计 <small>per {unit}</small>：{escape(u["level"])}</h3>'
                     f'<p>常态化 {u["常态化"]["units"]}/{u["total"]}，持续化（学期）{u["持续化_学期"]["units"]}/{u["total"]}'
                     f'，持续化（学年）{u["持续化_学年"]["units"]}/{u["total"]}，达普及化的周 {u["weeks_普及化"]}/'
                     f'{u["weeks_required"]}，未到 {u["weeks_future"]} 周</p>{share_svg(u)}')
        if unit == "class":
            parts.append(f'<h4>各班每周参与情况 <small>Weekly participation per class</small></h4>'
                         f'{heatmap_svg(report, u, point)}')
    parts.append("</section>")
    return "".join(parts)


def _fleet(report: dict[str, Any]) -> str:
    parts = []
    if "coverage" in report:
        c = report["coverage"]
        parts.append(f'<section><h2>3.3.5 公用交互终端（电子班牌）覆盖</h2><blockquote class="source">'
                     f'{escape(c["clause"])}</blockquote><p>{escape(c["rule"])}：'
                     f'{c["classes_covered"]}/{c["classes_total"]}（{c["share"]:.0%}），{escape(c["level"])}</p>')
        parts.append(_table(["班级", "有在线班牌"], [[r["name"], "是" if r["board"] else "否"] for r in c["per_class"]]))
        parts.append("</section>")
    if "domestic_share" in report:
        d = report["domestic_share"]
        parts.append(f'<section><h2>3.3.3 国产数字终端（班牌）比例</h2><blockquote class="source">'
                     f'{escape(d["clause"])}</blockquote><p>自报硬件的班牌 {d["reported"]} 台，'
                     f'其中国产 {d["domestic"]} 台（{d["share"]:.0%}；规模化线 1/4，普及化线 2/3）：'
                     f'{escape(d["level"])}；未报告硬件 {d["not_reported"]} 台</p>')
        parts.append(_table(["班牌", "SoC 厂商", "SoC", "型号", "国产"], [
            [b["board"], b["soc_vendor"] or "未报告", b["soc"] or "", b["model"] or "",
             {True: "是", False: "否", None: "未知"}[b["domestic"]]] for b in d["per_board"]]))
        parts.append("</section>")
    if report.get("availability"):
        parts.append("<section><h2>班牌在线时长（在校时段） Availability</h2>" + _table(
            ["班牌", "班级", "在线小时", "在校小时", "比例"],
            [[a["board"], a["class_id"] or "", a["hours_online"], a["school_hours"], f'{a["share"]:.0%}']
             for a in report["availability"]]) + "</section>")
    if report.get("broadcasts_3_6_2"):
        parts.append("<section><h2>3.6.2 校园广播（单独列出，不计入参与） Broadcasts</h2>"
                     f'<blockquote class="source">{escape(clauses.POINTS["3.6.2"])}</blockquote>' + _table(
            ["发起 initiator", "广播", "用途", "次数"],
            [[b["initiator"], b["name"], b["purpose"], b["plays"]] for b in report["broadcasts_3_6_2"]])
            + "</section>")
    return "".join(parts)


def to_html(report: dict[str, Any]) -> str:
    who = "；".join(f"{who}: " + "、".join(f"{k} {n}" for k, n in kinds.items())
                   for who, kinds in sorted(report["records_by_initiator"].items()))
    head = (f"<h1>{escape(report['title'] or '常态化应用报告')}</h1>"
            f"<p>统计期间 {report['from']} 至 {report['to']}（截至 {report['as_of']}），教学周 "
            f"{len(report['teaching_weeks'])} 周，班级 {len(report['classes'])} 个，使用记录 {report['records']} 条"
            f"（按发起者：{escape(who)}）。日志保存 {report.get('retention_days', '')} 天。</p>"
            f"<h2>汇总 Summary</h2>" + _table(SUMMARY_HEAD, [summary_cells(r) for r in report["summary"]], "summary")
            + f"<h2>学校自定口径 School policy</h2><p>{escape(report['policy']['name'])}，policy_sha256 "
            f"<code>{report['policy_sha256']}</code>。以下取值为本校口径，不是指标体系原文。</p>"
            + _table(["key", "取值", "含义"], [list(x) for x in policy_lines(report)]))
    sections = "".join(_point(report, p, d) for p, d in report["points"].items())
    return ("<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>常态化应用报告</title>"
            "<style>body{font-family:'Noto Sans CJK SC',sans-serif;margin:1.5rem;color:#1c2733}"
            "section{margin-bottom:2rem}svg{max-width:100%;height:auto}h2{border-bottom:2px solid #1f4e79}"
            "table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #c8ced6;padding:2px 6px;"
            "font-size:.9rem}blockquote.source{border-left:4px solid #1f4e79;margin:.5rem 0;padding:.3rem .8rem;"
            "background:#f3f6f9}</style></head><body>" + head + sections + _fleet(report) + "</body></html>")
