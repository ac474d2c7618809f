"""What counts, per observation point: the indicator's words (``clauses``) and the school's policy (学校自定口径).

The indicator system says *who* must take part (classes, or teachers and
students, or subjects), *how often* (每周 for 常态化, 每学期或者每学年 for 持续化)
and *how many* (2/3 普及化, 1/4 and at least 3 规模化). It never says what a
"substantive" (实质性) activity is, how long a session must last, or how to treat
a week with one school day. Those are the school's choices, kept in one
``policy`` document with our defaults, printed with its SHA-256 in every form
of the report so that a reviewer never mistakes ours for theirs.

A point lists clauses; a unit (class, teacher, subject) takes part in a week
when any clause is met: at least ``min_per_week`` records of ``kind``,
initiated by one of ``initiators`` (people only: never ``schedule`` or
``system``), lasting at least ``min_duration_s`` and, for a roll call,
recording statuses for at least ``min_roster`` students.
"""
from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from . import clauses

PEOPLE = ["teacher", "student", "staff", "guardian"]
INITIATORS = PEOPLE + ["schedule", "system"]
UNITS = ("class", "teacher", "subject")
UNIT_NAMES = {"class": "班级", "teacher": "教师", "subject": "学科"}

# Record kinds and their shapes, for whoever writes a producer: what the report reads from each.
KINDS: dict[str, dict[str, str]] = {
    "attendance.session": {"zh": "课堂点名", "data": "present/late/absent/leave: counts per status; period"},
    "teacher.session": {"zh": "教师在班牌上的使用", "data": "teacher: the teacher's id; method"},
    "checkin": {"zh": "学生签到", "data": "kind, method"},
    "broadcast.played": {"zh": "校园广播播放", "data": "broadcast: the planned broadcast's id (schedule) or zone"},
    "student.session": {"zh": "学生本人使用（学生角）", "data": "student (id), screen"},
    "evaluation": {"zh": "学生评价记录", "data": "teacher, category, student or group"},
    "homework.posted": {"zh": "作业发布", "data": "teacher, subject"},
    "media.played": {"zh": "互动点播", "data": "teacher, item"},
    "family.message": {"zh": "家校留言", "data": "from (guardian|student), student"},
    "notice.ack": {"zh": "家长确认通知", "data": "notice, guardian"},
    "interaction": {"zh": "班牌互动", "data": "screen"},
}

DEFAULT_POLICY: dict[str, Any] = {
    "name": "学校自定口径（默认）",
    "initiators_counted": PEOPLE,
    "min_roster": 5,
    "teacher_session_min_s": 120,
    "student_session_min_s": 60,
    "checkins_per_week": 10,
    "acks_per_week": 5,
    "min_school_days_per_week": 2,
    "lesson_lead_min": 10,
    "min_units_规模化": {"class": 3, "teacher": 3, "subject": 3},
    "evidence": "any_record",
    "school_hours": ["07:30", "17:30"],
    "domestic_soc_vendors": ["rockchip", "allwinner", "hisilicon", "loongson", "phytium", "spacemit", "starfive",
                             "sophgo", "unisoc"],
}

POLICY_TEXT: dict[str, str] = {
    "initiators_counted": "只计人的使用：教师、学生、职工、家长发起的记录；定时（schedule）与系统（system）产生的记录不计入参与，单独列出",
    "min_roster": "点名的实质性：一次点名须为不少于 N 名学生记录出勤状态（“全部到齐+保存”为全班每人记录“到”，计一次；名单不足 N 人的点名不计）",
    "teacher_session_min_s": "教师会话至少持续的秒数（0 秒或单次点按不算一次会话）",
    "student_session_min_s": "学生会话至少持续的秒数",
    "checkins_per_week": "签到是单次点按，不算会话；仅以数量计入教务活跃数据：每周不少于 N 次",
    "acks_per_week": "家长确认通知每周不少于 N 次",
    "min_school_days_per_week": "上课日少于 N 天的周不要求参与（不计入常态化的分母），其中的使用仍计入持续化",
    "lesson_lead_min": "记录归属的课节：课节开始前 N 分钟至下课（用于按学科、按任课教师统计）",
    "min_units_规模化": "规模化的最少单位数：班级、学科为指标原文的 3；教师为本校口径",
    "evidence": "班牌能否提供证据：学校的数据中心存有该观测点所列记录种类的任何记录即视为有记录来源",
    "school_hours": "在校时段（用于班牌在线时长与覆盖率）",
    "domestic_soc_vendors": "国产数字终端的认定：班牌自报的主控芯片（SoC）厂商属于此名单",
}


def _points(p: dict[str, Any]) -> dict[str, Any]:
    """The observation points whose use boards record, with clauses built from the policy."""
    people = list(p["initiators_counted"])

    def use(kind: str, **limits: int) -> dict[str, Any]:
        return {"kind": kind, "initiators": people, "min_duration_s": limits.get("min_duration_s", 0),
                "min_roster": limits.get("min_roster", 0), "min_per_week": limits.get("min_per_week", 1)}

    roll_call = use("attendance.session", min_roster=p["min_roster"])
    teacher = use("teacher.session", min_duration_s=p["teacher_session_min_s"])
    student = use("student.session", min_duration_s=p["student_session_min_s"])
    return {
        "2.1.10": {"title": "课堂教学 普及化、常态化", "applies": ["7.规模化", "7.普及化", "8.常态化", "8.持续化"],
                   "units": list(UNITS), "any": [roll_call, teacher]},
        "2.2.2": {"title": "教务管理 普及化、常态化，有活跃数据", "applies": ["7.规模化", "7.普及化", "8.常态化", "8.持续化"],
                  "units": ["class"], "any": [roll_call, use("checkin", min_per_week=p["checkins_per_week"])]},
        "2.3.2": {"title": "学生评价 普及化、常态化，有活跃数据", "applies": ["7.规模化", "7.普及化", "8.常态化", "8.持续化"],
                  "units": ["class", "teacher"], "any": [use("evaluation")]},
        "2.4.2": {"title": "家校互通 普及化、常态化，有活跃数据", "applies": ["7.规模化", "7.普及化", "8.常态化", "8.持续化"],
                  "units": ["class"], "any": [use("family.message"), use("notice.ack", min_per_week=p["acks_per_week"])]},
        "2.4.5": {"title": "文化生活 常态化，有活跃数据", "applies": ["8.常态化", "8.持续化"],
                  "units": ["class"], "any": [student, use("media.played", min_duration_s=1)]},
        "2.6.3": {"title": "网络学习空间 常态化，有活跃数据", "applies": ["8.常态化", "8.持续化"],
                  "units": ["class", "teacher", "subject"],
                  "any": [use("homework.posted"), use("interaction", min_duration_s=p["student_session_min_s"]), student]},
    }


def _with_sources(points: dict[str, Any]) -> dict[str, Any]:
    for point, spec in points.items():
        spec.setdefault("clause", clauses.POINTS.get(point, ""))
        spec.setdefault("context", clauses.CONTEXT.get(point, ""))
        spec["definitions"] = {part: clauses.DEFINITIONS[part] for part in spec["applies"]}
    return points


class RulesError(ValueError):
    """A rules file is not usable; the message names the point and the field."""


def _check_policy(policy: dict[str, Any]) -> None:
    for key, value in policy.items():
        if key not in DEFAULT_POLICY:
            raise RulesError(f"policy.{key}: unknown; known: {', '.join(DEFAULT_POLICY)}")
        want = DEFAULT_POLICY[key]
        if isinstance(want, int) and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise RulesError(f"policy.{key}: must be a whole number ≥ 0")
        if key in ("school_hours", "domestic_soc_vendors") and (
                not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            raise RulesError(f"policy.{key}: must be a list of strings")
        if key == "initiators_counted" and (not isinstance(value, list) or set(value) - set(PEOPLE)):
            raise RulesError(f"policy.initiators_counted: only people count ({', '.join(PEOPLE)})")
    if "min_units_规模化" in policy:
        floors = policy["min_units_规模化"]
        if not isinstance(floors, dict) or set(floors) - set(UNITS) or any(
                not isinstance(v, int) or v < 3 for v in floors.values()):
            raise RulesError("policy.min_units_规模化: class/teacher/subject, each a whole number ≥ 3 (the text's floor)")


def _check_clauses(point: str, spec: Any) -> None:
    if not isinstance(spec, dict) or not isinstance(spec.get("any"), list) or not spec["any"]:
        raise RulesError(f"points.{point}: needs a non-empty 'any' list of {{kind, min_duration_s, min_per_week}}")
    for i, clause in enumerate(spec["any"]):
        if not isinstance(clause, dict) or not isinstance(clause.get("kind"), str):
            raise RulesError(f"points.{point}.any[{i}]: needs a kind")
        for key in ("min_duration_s", "min_per_week", "min_roster"):
            if key in clause and (not isinstance(clause[key], int) or clause[key] < 0):
                raise RulesError(f"points.{point}.any[{i}].{key}: must be a whole number ≥ 0")
        if set(clause.get("initiators", [])) - set(PEOPLE):
            raise RulesError(f"points.{point}.any[{i}].initiators: only people count ({', '.join(PEOPLE)}), "
                             "never schedule or system")
    if set(spec.get("units", ["class"])) - set(UNITS):
        raise RulesError(f"points.{point}.units: one or more of {', '.join(UNITS)}")


def load_rules(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The rules in force: defaults, the school's ``policy`` over them, then any point the school rewrote."""
    overrides = overrides or {}
    policy = copy.deepcopy(DEFAULT_POLICY)
    if "policy" in overrides:
        if not isinstance(overrides["policy"], dict):
            raise RulesError("policy: must be an object of named choices")
        _check_policy(overrides["policy"])
        policy.update(copy.deepcopy(overrides["policy"]))
        policy["name"] = "学校自定口径（本校设置）"
    points = _points(policy)
    for point, spec in overrides.get("points", {}).items():
        _check_clauses(point, spec)
        base = points.get(point, {"title": point, "applies": ["8.常态化", "8.持续化"], "units": ["class"]})
        points[point] = dict(base, title=spec.get("title", base["title"]), units=spec.get("units", base["units"]),
                             any=[dict({"initiators": policy["initiators_counted"], "min_duration_s": 0,
                                        "min_roster": 0, "min_per_week": 1}, **c) for c in spec["any"]])
    rules = {"points": _with_sources(points), "policy": policy,
             "levels": {"普及化": {"share": 2 / 3}, "规模化": {"share": 1 / 4, "min_units": policy["min_units_规模化"]}},
             "source": clauses.SOURCE}
    rules["policy_sha256"] = policy_sha256(rules)
    return rules


def policy_sha256(rules: dict[str, Any]) -> str:
    """A hash of every choice that is ours (policy and each point's clauses), so two reports can be compared."""
    ours = {"policy": rules["policy"], "points": {p: {"units": s["units"], "any": s["any"]}
                                                 for p, s in rules["points"].items()}}
    return hashlib.sha256(json.dumps(ours, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def clause_key(clause: dict[str, Any]) -> str:
    """One name per distinct clause: what the stored counts are kept under."""
    return (f"{clause['kind']}|{','.join(sorted(clause.get('initiators', PEOPLE)))}"
            f"|d{int(clause.get('min_duration_s', 0))}|r{int(clause.get('min_roster', 0))}")


def rules_document(rules: dict[str, Any]) -> dict[str, Any]:
    """``classboard hub rules --format json``: per point id, clause, units, counts (kinds, initiators), policy."""
    return {"source": rules["source"], "definitions": clauses.DEFINITIONS, "policy": rules["policy"],
            "policy_text": POLICY_TEXT, "policy_sha256": rules["policy_sha256"],
            "points": [{"id": p, "title": s["title"], "clause": s["clause"], "context": s["context"],
                        "applies": s["applies"], "units": s["units"],
                        "counts": [{"kind": c["kind"], "initiators": c["initiators"],
                                    "min_duration_s": c["min_duration_s"], "min_roster": c["min_roster"],
                                    "min_per_week": c["min_per_week"]} for c in s["any"]],
                        "policy": "学校自定口径"} for p, s in rules["points"].items()],
            "kinds": KINDS}
