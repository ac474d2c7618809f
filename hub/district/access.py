"""Who may see which school: district roles see every school, school roles only their own.

District admin (区县管理员) and district reviewer (区县审阅人, read-only) choose
a school with ``?school=ID`` (kept in their session); a school admin, teacher
or viewer always works in the school of their account, and naming another
school is refused (403), so no URL reaches a school that is not theirs.
"""
from __future__ import annotations

from flask import abort, request, session

from ..models import ConsoleUser, School
from ..tenancy import DEFAULT

DISTRICT_ROLES = ("district_admin", "district_reviewer")
# the rank of each role for ``needs``: the reviewer reads everywhere and writes nowhere
ROLE_RANK = {"viewer": 0, "district_reviewer": 0, "teacher": 1, "admin": 2, "district_admin": 3}


def is_district(user: ConsoleUser) -> bool:
    return user.role in DISTRICT_ROLES


def school_exists(school: str) -> bool:
    return school == DEFAULT or School.get_or_none(School.id == school) is not None


def school_for(user: ConsoleUser) -> str:
    """The school this console request works in; aborts 403/404 when the user may not have it."""
    asked = request.args.get("school")
    if not is_district(user):
        if asked is not None and asked != user.school:
            abort(403, "这不是您的学校 / not your school")
        return user.school
    if asked is not None:
        if not school_exists(asked):
            abort(404, f"no school {asked!r}")
        session["school"] = asked
    chosen = session.get("school", DEFAULT)
    return chosen if school_exists(chosen) else DEFAULT


def user_school_for_api(user: ConsoleUser, named: str | None) -> str | None:
    """An API token's school: its own, or for a district admin the one named; None when not allowed."""
    if is_district(user):
        return named if named is not None and school_exists(named) else (DEFAULT if named is None else None)
    return user.school if named in (None, user.school) else None
