"""Class life on the board: homework, countdowns and evaluations (学生评价).

The school sets homework, countdowns (距中考还有 N 天), its evaluation
categories and which classes show their weekly highlights in the console; they
arrive in the bundle's ``class_life``. A teacher signed in at the board may post
homework and record praise or points for students; each is a usage record
(``homework.posted``, ``evaluation``) naming the teacher, so it is evidence the
moment it exists and syncs like every record. The board reads its own records
back to show them: no second table to keep in step. Evaluations a teacher
records in the console come in the bundle's ``class_life.evaluations`` (the
hub keeps who made each) and are shown beside the board's own.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Any

from ..bundle_store import get_setting
from ..clock import Clock, utc
from ..store import models as m

DEFAULT_CATEGORIES = ("课堂表现", "作业", "劳动", "文明礼仪")
POINTS = range(-3, 6)  # a praise is +1…+5; a school may also note a point off, never shown on the culture screen


class ClassLifeError(ValueError):
    """Refused input: nothing was recorded."""


class ClassLife:
    def __init__(self, clock: Clock, zone, usage) -> None:
        self.clock, self.zone, self.usage = clock, zone, usage

    def _content(self) -> dict[str, Any]:
        return json.loads(get_setting("bundle.class_life") or "{}")

    def _today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    def categories(self) -> list[str]:
        return list(self._content().get("evaluation_categories") or DEFAULT_CATEGORIES)

    def _records(self, kind: str, class_id: str | None, since: date) -> list[tuple[m.UsageRecord, dict[str, Any]]]:
        start = datetime.combine(since, datetime.min.time(), tzinfo=self.zone)
        rows = m.UsageRecord.select().where((m.UsageRecord.kind == kind) & (m.UsageRecord.at >= utc(start).replace(
            tzinfo=None)))
        if class_id:
            rows = rows.where(m.UsageRecord.class_id == class_id)
        return [(r, json.loads(r.data) if isinstance(r.data, str) else dict(r.data)) for r in rows.order_by(
            m.UsageRecord.at.desc())]

    # -- homework ------------------------------------------------------------------------
    def homework(self, class_id: str | None) -> list[dict[str, Any]]:
        """Homework not yet due for this class: the school's (bundle) and what teachers posted here, soonest first."""
        today = self._today()
        items = [h for h in self._content().get("homework", [])
                 if h.get("class_id") == class_id and date.fromisoformat(h["due"]) >= today]
        for record, data in self._records("homework.posted", class_id, today - timedelta(days=60)):
            if date.fromisoformat(data["due"]) >= today:
                items.append({"id": record.id, "class_id": class_id, "subject": data["subject"], "text": data["text"],
                              "due": data["due"], "teacher_id": data.get("teacher_id")})
        return sorted(items, key=lambda h: (h["due"], h["subject"]))

    def post_homework(self, teacher_id: str, class_id: str, subject: str, text: str, due: str) -> m.UsageRecord:
        subject, text = subject.strip(), text.strip()
        if not class_id or not 1 <= len(subject) <= 40 or not 1 <= len(text) <= 500:
            raise ClassLifeError("作业需要科目（最多 40 字）和内容（最多 500 字）")
        try:
            due_day = date.fromisoformat(due)
        except ValueError:
            raise ClassLifeError("截止日期格式应为 YYYY-MM-DD") from None
        if not self._today() <= due_day <= self._today() + timedelta(days=60):
            raise ClassLifeError("截止日期应在今天到 60 天之内")
        return self.usage.record("homework.posted", initiator="teacher", class_id=class_id,
                                 data={"teacher_id": teacher_id, "subject": subject, "text": text,
                                       "due": due_day.isoformat()})

    # -- countdowns ------------------------------------------------------------------------
    def countdowns(self, class_id: str | None) -> list[dict[str, Any]]:
        """``{title, days}`` for each countdown that applies to this class and has not passed."""
        today = self._today()
        out = []
        for c in self._content().get("countdowns", []):
            days = (date.fromisoformat(c["date"]) - today).days
            if days >= 0 and (not c.get("class_ids") or class_id in c["class_ids"]):
                out.append({"title": c["title"], "days": days})
        return sorted(out, key=lambda c: c["days"])

    # -- evaluations ------------------------------------------------------------------------
    def evaluate(self, teacher_id: str, class_id: str, student_ids: list[str], category: str, points: int,
                 reason: str) -> m.UsageRecord:
        """Praise or points for one student or a group, under one of the school's categories, with a reason."""
        reason = reason.strip()
        if category not in self.categories():
            raise ClassLifeError(f"没有这个评价类别：{category}")
        if points not in POINTS or points == 0:
            raise ClassLifeError("分值应为 -3 到 +5 之间的非零整数")
        if not 1 <= len(reason) <= 100:
            raise ClassLifeError("请写明评价理由（最多 100 字）")
        roster = {s.id for s in m.Student.select(m.Student.id).where(m.Student.class_group == class_id)}
        chosen = sorted(set(student_ids))
        if not chosen or not set(chosen) <= roster or len(chosen) > 80:
            raise ClassLifeError("请选择本班的学生")
        return self.usage.record("evaluation", initiator="teacher", class_id=class_id,
                                 data={"teacher_id": teacher_id, "students": chosen, "category": category,
                                       "points": points, "reason": reason})

    def evaluations_of(self, student_id: str, class_id: str) -> list[dict[str, Any]]:
        """This week's evaluations of one student, newest first (for that student's own corner only)."""
        return [{"category": d["category"], "points": d["points"], "reason": d["reason"]}
                for d in self._evaluations(class_id) if student_id in d.get("students", [])][:8]

    def highlights(self, class_id: str | None) -> list[dict[str, Any]]:
        """The class's positive highlights of the week, when the class opted in: by category, never by student."""
        if not class_id or class_id not in self._content().get("highlight_classes", []):
            return []
        found: dict[str, dict[str, Any]] = {}
        for d in self._evaluations(class_id):
            if d["points"] > 0:
                entry = found.setdefault(d["category"], {"category": d["category"], "count": 0, "reasons": []})
                entry["count"] += 1
                if d["reason"] not in entry["reasons"] and len(entry["reasons"]) < 3:
                    entry["reasons"].append(d["reason"])
        order = self.categories()
        return sorted(found.values(), key=lambda e: order.index(e["category"]) if e["category"] in order else 99)

    def _evaluations(self, class_id: str | None) -> list[dict[str, Any]]:
        """This week's evaluations of the class, newest day first: made here (records) and in the console (bundle)."""
        week = self._week_start()
        dated = [(r.at.replace(tzinfo=timezone.utc).astimezone(self.zone).date(), d)
                 for r, d in self._records("evaluation", class_id, week)]
        dated += [(date.fromisoformat(e["on"]), e) for e in self._content().get("evaluations", [])
                  if e.get("class_id") == class_id and date.fromisoformat(e["on"]) >= week]
        return [d for _, d in sorted(dated, key=lambda pair: pair[0], reverse=True)]

    def _week_start(self) -> date:
        today = self._today()
        return today - timedelta(days=today.isoweekday() - 1)
