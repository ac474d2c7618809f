"""What counts as substantive use, per observation point of the Guangxi indicator system.

A rule names record kinds, optionally a minimum duration per record and a
minimum number of qualifying records in a week. A single tap never counts on
its own: check-ins count for 教务 data only in numbers.
"""
from __future__ import annotations

import copy
from typing import Any

DEFAULT_RULES: dict[str, Any] = {
    "points": {
        "2.1.10": {"title": "课堂教学 普及化、常态化", "any": [
            {"kind": "attendance.session"}, {"kind": "broadcast.played"},
            {"kind": "teacher.session", "min_duration_s": 120}]},
        "2.2.2": {"title": "教务 活跃数据", "any": [
            {"kind": "attendance.session"}, {"kind": "checkin", "min_per_week": 10}]},
        "2.3.2": {"title": "学生评价 活跃数据", "any": [
            {"kind": "student.session", "min_duration_s": 60}, {"kind": "interaction", "min_duration_s": 60}]},
        "2.4.2": {"title": "家校互通 常态化", "any": [{"kind": "notice.ack", "min_per_week": 5}]},
        "2.4.5": {"title": "文化生活 常态化", "any": [
            {"kind": "student.session", "min_duration_s": 60}, {"kind": "broadcast.played"}]},
        "2.6.3": {"title": "网络学习空间 活跃数据", "any": [
            {"kind": "interaction", "min_duration_s": 60}, {"kind": "student.session", "min_duration_s": 60}]},
        "3.3.5": {"title": "班级公共互动终端（班牌）", "any": [
            {"kind": "attendance.session"}, {"kind": "teacher.session", "min_duration_s": 120},
            {"kind": "student.session", "min_duration_s": 60}, {"kind": "checkin", "min_per_week": 10}]},
    },
    "levels": {"普及化": {"share": 2 / 3}, "规模化": {"share": 1 / 4, "min_classes": 3}},
}


class RulesError(ValueError):
    """A rules file is not usable; the message names the point and the field."""


def load_rules(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    rules = copy.deepcopy(DEFAULT_RULES)
    for point, spec in (overrides or {}).get("points", {}).items():
        if not isinstance(spec, dict) or not isinstance(spec.get("any"), list) or not spec["any"]:
            raise RulesError(f"points.{point}: needs a non-empty 'any' list of {{kind, min_duration_s, min_per_week}}")
        for i, clause in enumerate(spec["any"]):
            if not isinstance(clause, dict) or not isinstance(clause.get("kind"), str):
                raise RulesError(f"points.{point}.any[{i}]: needs a kind")
            for key in ("min_duration_s", "min_per_week"):
                if key in clause and (not isinstance(clause[key], int) or clause[key] < 0):
                    raise RulesError(f"points.{point}.any[{i}].{key}: must be a whole number ≥ 0")
        rules["points"][point] = {"title": spec.get("title", point), "any": spec["any"]}
    return rules
