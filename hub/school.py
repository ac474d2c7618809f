"""Replacing the school's content as a whole, validated like a bundle before anything changes."""
from __future__ import annotations

import json
from typing import Any

from protocol.bundle import BundleError, check_content

from .models import Notice, SchoolData, database
from .tenancy import DEFAULT, current, data_key

SECTIONS = ("rooms", "classes", "teachers", "students", "lessons")


class SchoolDataError(ValueError):
    """The school content is refused; nothing was changed."""


def check_school(content: dict[str, Any]) -> dict[str, Any]:
    """The school part of ``content`` checked exactly as boards check a bundle; SchoolDataError if refused."""
    school_part = {k: v for k, v in content.items() if k != "notices"}
    probe = dict(school_part, schema="classboard.bundle/1", board_id="hub-check",
                 issued_at="1970-01-01T00:00:00.000Z", notices=[])
    for key, default in (("overrides", []), ("exams", []), ("broadcasts", []), ("settings", {})):
        probe.setdefault(key, default)
    try:
        check_content(probe)
    except BundleError as exc:
        raise SchoolDataError(str(exc)) from None
    return probe


def replace_school(content: dict[str, Any]) -> dict[str, int]:
    """Check the content exactly as boards will, then store it in one transaction."""
    if current() != DEFAULT and content.get("school", {}).get("id") != current():
        raise SchoolDataError(f"school.id must be {current()!r}: it names this school's boards' MQTT topics")
    probe = check_school(content)
    from datetime import datetime, timezone
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with database.atomic():
        row = SchoolData.get_or_none(SchoolData.key == data_key("school"))
        version = (row.version + 1) if row else 1
        SchoolData.upsert(key=data_key("school"), value=json.dumps(probe | {"notices": []}, ensure_ascii=False),
                          version=version)
        for n in content.get("notices", []):
            audience = n.get("audience", {"scope": "school"})
            Notice.upsert(id=n["id"], title=n["title"], body=n.get("body", ""), format=n.get("format", "text"),
                          priority=n.get("priority", 0), audience_scope=audience["scope"],
                          audience_value=audience.get("value"),
                          starts_at=datetime.fromisoformat(n["starts_at"].replace("Z", "+00:00")).replace(tzinfo=None),
                          ends_at=(datetime.fromisoformat(n["ends_at"].replace("Z", "+00:00")).replace(tzinfo=None)
                                   if n.get("ends_at") else None),
                          emergency=n.get("emergency", False), author="import", updated_at=now, school=current()
                          )
    return {k: len(content.get(k, [])) for k in SECTIONS} | {"notices": len(content.get("notices", []))}
