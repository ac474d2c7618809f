"""The report as JSON and CSV for machines; the page and the PDF are in render_html.py and render_pdf.py.

Every form opens with the summary (point × unit → level, and the weeks behind
it) and carries each point's quoted clause, the policy in force and its SHA-256.
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any

from .rules import POLICY_TEXT, UNIT_NAMES

LEVEL_COLOUR = {"普及化": "#2e9e5b", "规模化": "#e0a100", "未达标": "#c8ced6", "不能提供证据": "#9aa5b1",
                "未到": "#ffffff"}
SUMMARY_HEAD = ["观测点 point", "内容 title", "统计单位 unit", "等级 level", "常态化 units", "持续化(学期)",
                "持续化(学年)", "达普及化的周", "达规模化及以上的周", "应计周 required", "未到周 future"]


def summary_cells(row: dict[str, Any]) -> list[str]:
    return [row["point"], row["title"], UNIT_NAMES.get(row["unit"], row["unit"]), row["level"], row["常态化"],
            row["持续化_学期"], row["持续化_学年"], str(row["weeks_普及化"]), str(row["weeks_规模化_or_better"]),
            str(row["weeks_required"]), str(row["weeks_future"])]


def policy_lines(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(key, value, what it means) for every choice of the policy in force."""
    return [(k, json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v, POLICY_TEXT.get(k, ""))
            for k, v in report["policy"].items()]


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)


def to_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["# summary 汇总", report["title"], f"{report['from']}..{report['to']}", f"as_of {report['as_of']}"])
    w.writerow(SUMMARY_HEAD)
    for row in report["summary"]:
        w.writerow(summary_cells(row))
    w.writerow([])
    w.writerow(["# policy 学校自定口径", report["policy"]["name"], "policy_sha256", report["policy_sha256"],
                "retention_days", report.get("retention_days", "")])
    for key, value, meaning in policy_lines(report):
        w.writerow([key, value, meaning])
    w.writerow([])
    w.writerow(["# source 指标原文", report["source"]])
    w.writerow(["point", "clause", "context", "applies", "kinds", "evidenced_by_boards"])
    for point, data in report["points"].items():
        w.writerow([point, data["clause"], data["context"], " ".join(data["applies"]), " ".join(data["kinds"]),
                    int(data["evidenced_by_boards"])])
    w.writerow([])
    w.writerow(["point", "unit", "week", "state", "short", "units_participating", "units_total", "share", "level"])
    for point, data in report["points"].items():
        for unit, u in data["units"].items():
            for wk in u["weeks"]:
                w.writerow([point, unit, wk["week"], wk["state"], int(wk["short"]), wk["units"], u["total"],
                            f"{wk['share']:.4f}", wk["level"]])
    w.writerow([])
    w.writerow(["point", "unit", "member", "name", "weeks_participating", "常态化", "持续化_学期", "持续化_学年"])
    for point, data in report["points"].items():
        for unit, u in data["units"].items():
            for m in u["members"]:
                w.writerow([point, unit, m["id"], m["name"], m["weeks"], int(m["常态化"]), int(m["持续化_学期"]),
                            int(m["持续化_学年"])])
    return "\ufeff" + out.getvalue()  # BOM so Excel on a school PC opens it as UTF-8


def render(report: dict[str, Any], fmt: str) -> bytes:
    if fmt == "pdf":
        from .render_pdf import to_pdf

        return to_pdf(report)
    if fmt == "html":
        from .render_html import to_html

        return to_html(report).encode("utf-8")
    return {"csv": to_csv, "json": to_json}[fmt](report).encode("utf-8")
