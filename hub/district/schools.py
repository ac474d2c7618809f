"""The district's schools: adding one, and what each holds (classes, boards, students)."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from peewee import fn

from ..models import Board, School, SchoolData, database
from ..tenancy import DEFAULT, data_key

# a school id names MQTT topics (classboard/<id>/...) and data keys: no slash, no wildcard, no space
SCHOOL_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class SchoolError(ValueError):
    """Refused: nothing was changed."""


def add_school(school_id: str, name: str, district: str = "", timezone_name: str = "Asia/Shanghai") -> School:
    """Create the school (or rename it); it starts with empty content carrying its id and name."""
    from ..bundles import EMPTY_SCHOOL

    if not SCHOOL_ID.match(school_id or ""):
        raise SchoolError(f"school id {school_id!r}: 1–64 letters, digits, _ . : or -")
    if not name.strip():
        raise SchoolError("a school needs a name")
    with database.atomic():
        School.upsert(id=school_id, name=name.strip()[:200], district=district[:200],
                      created_at=datetime.now(timezone.utc).replace(tzinfo=None))
        if SchoolData.get_or_none(SchoolData.key == data_key("school", school_id)) is None:
            content = json.loads(json.dumps(EMPTY_SCHOOL))
            content["school"].update(id=school_id, name=name.strip()[:200], timezone=timezone_name)
            SchoolData.upsert(key=data_key("school", school_id), value=json.dumps(content, ensure_ascii=False),
                              version=1)
    return School.get_by_id(school_id)


def content_of(school: str) -> dict[str, Any] | None:
    row = SchoolData.get_or_none(SchoolData.key == data_key("school", school))
    return json.loads(row.value) if row else None


def tenants() -> list[str]:
    """Every school of this hub: the district's schools, and the implicit one when it holds anything."""
    ids = [s.id for s in School.select(School.id).order_by(School.id)]
    implicit = (SchoolData.select().where(SchoolData.key == data_key("school", DEFAULT)).exists()
                or Board.select().where(Board.school == DEFAULT).exists() or not ids)
    return ([DEFAULT] if implicit else []) + ids


def school_rows(only: list[str] | None = None) -> list[dict[str, Any]]:
    """One row per school (of ``only``, default all): id, name, district, classes, boards (enrolled), students."""
    boards = dict(Board.select(Board.school, fn.COUNT(Board.id)).where(Board.state == "enrolled")
                  .group_by(Board.school).tuples())
    named = {s.id: s for s in School.select()}
    rows = []
    for tenant in tenants() if only is None else only:
        content = content_of(tenant) or {}
        info = content.get("school", {})
        row = named.get(tenant)
        rows.append({"school": tenant, "id": info.get("id", tenant), "name": row.name if row else info.get("name", ""),
                     "district": row.district if row else "", "classes": len(content.get("classes", [])),
                     "boards": boards.get(tenant, 0), "students": len(content.get("students", []))})
    return rows
