"""Enrolment codes, guardian accounts and their children: who may see which child.

A code is random (10 characters from an alphabet without look-alikes), stored only as its
SHA-256, valid for a set number of days and used once. Redeeming it with a sign-in name and
a password makes (or extends) a guardian account and links it to that one child.
"""
from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..bundles import school_content
from ..models import database
from .models import EnrolmentCode, Guardian, GuardianChild

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 10
DEFAULT_DAYS = 30
RELATIONS = ("妈妈", "爸爸", "爷爷", "奶奶", "外公", "外婆", "家长")
hasher = PasswordHasher()


class FamilyError(ValueError):
    """Refused; nothing changed. ``status`` is the HTTP status a web answer should carry."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def normalise(code: str) -> str:
    """What a guardian typed, as stored: upper case, no spaces or dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def pretty(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def students_by_id() -> dict[str, dict]:
    return {s["id"]: s for s in school_content()["students"]}


@dataclass(frozen=True)
class IssuedCode:
    code: str  # shown once, on the letter
    student_id: str
    student_name: str
    class_id: str
    relation: str
    expires_at: datetime


def issue_codes(student_ids: list[str], relation: str = "家长", days: int = DEFAULT_DAYS) -> list[IssuedCode]:
    """One new code per student; unknown students are refused before any code is made."""
    students = students_by_id()
    unknown = [s for s in student_ids if s not in students]
    if unknown:
        raise FamilyError(f"no such student: {', '.join(unknown[:5])}", 404)
    if relation not in RELATIONS:
        raise FamilyError(f"relation must be one of {'、'.join(RELATIONS)}")
    if not 1 <= days <= 365:
        raise FamilyError("a code is valid for 1 to 365 days")
    now, out = _now(), []
    with database.atomic():
        for sid in student_ids:
            code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
            expires = now + timedelta(days=days)
            EnrolmentCode.create(code_hash=code_hash(code), student_id=sid, relation=relation, created_at=now,
                                 expires_at=expires)
            s = students[sid]
            out.append(IssuedCode(code, sid, s["name"], s["class_id"], relation, expires))
    return out


def class_students(class_id: str) -> list[str]:
    ids = [s["id"] for s in school_content()["students"] if s["class_id"] == class_id]
    if not ids:
        raise FamilyError(f"class {class_id!r} has no students on the hub", 404)
    return ids


def check_code(code: str) -> EnrolmentCode:
    row = EnrolmentCode.get_or_none(EnrolmentCode.code_hash == code_hash(code))
    if row is None or row.revoked:
        raise FamilyError("这个码无效 / This code is not valid", 400)
    if row.used_at is not None:
        raise FamilyError("这个码已经用过 / This code was already used", 400)
    if row.expires_at < _now():
        raise FamilyError("这个码已过期，请向学校索取新码 / This code has expired; ask the school for a new one", 400)
    return row


def redeem(code: str, login: str, password: str) -> Guardian:
    """Use a code: a new account (or the existing one, if the password matches) gains this child."""
    login = login.strip()
    if not 2 <= len(login) <= 40:
        raise FamilyError("登录名 2–40 个字 / The sign-in name must be 2 to 40 characters")
    if len(password) < 8:
        raise FamilyError("密码至少 8 位 / The password must be at least 8 characters")
    with database.atomic():
        row = check_code(code)
        guardian = Guardian.get_or_none(Guardian.login == login)
        now = _now()
        if guardian is None:
            guardian = Guardian.create(id=uuid.uuid4().hex, login=login, password_hash=hasher.hash(password),
                                       created_at=now)
        elif guardian.revoked_at is not None or not password_ok(guardian, password):
            raise FamilyError("这个登录名已被使用 / This sign-in name is taken", 409)
        updated = EnrolmentCode.update(used_at=now, used_by=guardian.id).where(
            (EnrolmentCode.code_hash == row.code_hash) & EnrolmentCode.used_at.is_null()).execute()
        if updated != 1:  # another request used it a moment ago
            raise FamilyError("这个码已经用过 / This code was already used", 400)
        GuardianChild.insert(guardian_id=guardian.id, student_id=row.student_id, relation=row.relation,
                             created_at=now).on_conflict_ignore().execute()
    return guardian


def password_ok(guardian: Guardian, password: str) -> bool:
    try:
        return hasher.verify(guardian.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def sign_in(login: str, password: str) -> Guardian | None:
    guardian = Guardian.get_or_none(Guardian.login == login.strip())
    if guardian is None:
        hasher.hash(password or "-")  # the same work either way: the answer's time tells no names
        return None
    if not password_ok(guardian, password) or guardian.revoked_at is not None:
        return None
    return guardian


def children_of(guardian_id: str) -> dict[str, str]:
    """student id → relation, for a guardian still allowed in."""
    return {row.student_id: row.relation for row in GuardianChild.select().where(
        GuardianChild.guardian_id == guardian_id)}


def guardians_of(student_id: str) -> list[str]:
    return [row.guardian_id for row in GuardianChild.select(GuardianChild.guardian_id).join(
        Guardian, on=(GuardianChild.guardian_id == Guardian.id)).where(
        (GuardianChild.student_id == student_id) & Guardian.revoked_at.is_null())]


def revoke(guardian_id: str | None = None, *, login: str | None = None) -> Guardian:
    """Out at once: the epoch changes, so every session the guardian holds stops working on its next request."""
    guardian = Guardian.get_or_none(Guardian.id == guardian_id) if guardian_id else \
        Guardian.get_or_none(Guardian.login == (login or ""))
    if guardian is None:
        raise FamilyError("no such guardian", 404)
    Guardian.update(revoked_at=_now(), epoch=Guardian.epoch + 1).where(Guardian.id == guardian.id).execute()
    return Guardian.get_by_id(guardian.id)


def unlink(guardian_id: str, student_id: str) -> int:
    """Take one child away from a guardian (a custody change); the other children stay."""
    n = GuardianChild.delete().where((GuardianChild.guardian_id == guardian_id) &
                                     (GuardianChild.student_id == student_id)).execute()
    Guardian.update(epoch=Guardian.epoch + 1).where(Guardian.id == guardian_id).execute()
    return n
