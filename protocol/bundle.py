"""Signed bundles: everything one board needs to work offline, checked whole or not at all."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .canonical import CanonicalError, canonical_bytes, sha256_hex
from .keys import sign, verify

MAX_BUNDLE_BYTES = 4 * 1024 * 1024
SCHEMA_ID = "classboard.bundle/1"


class BundleError(ValueError):
    """The bundle is refused; ``path`` points into it where that helps."""

    def __init__(self, reason: str, path: str = "$") -> None:
        super().__init__(f"{path}: {reason}")
        self.reason, self.path = reason, path


@lru_cache(maxsize=None)
def schema(name: str) -> dict[str, Any]:
    return json.loads(resources.files("protocol").joinpath("schemas", f"{name}.schema.json").read_text("utf-8"))


def validate(name: str, document: Any) -> None:
    """Validate against one of protocol/schemas/*.schema.json; raises BundleError at the first problem."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema(name))
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first.absolute_path)
        raise BundleError(first.message[:300], path)


def check_references(content: dict[str, Any]) -> None:
    """What a schema cannot say: ids are unique and every reference points at something."""
    def ids(section: str) -> set[str]:
        seen: set[str] = set()
        for i, item in enumerate(content.get(section, [])):
            if item["id"] in seen:
                raise BundleError(f"duplicate id {item['id']!r}", f"$.{section}[{i}].id")
            seen.add(item["id"])
        return seen

    rooms, teachers, classes = ids("rooms"), ids("teachers"), ids("classes")
    ids("students"), ids("lessons"), ids("notices"), ids("overrides"), ids("exams"), ids("family_messages")
    schedules = {s["id"]: {p["index"] for p in s["periods"]} for s in content.get("bell_schedules", [])}
    class_schedule = {}
    for i, c in enumerate(content.get("classes", [])):
        for key, pool in (("home_room_id", rooms), ("head_teacher_id", teachers), ("bell_schedule_id", schedules)):
            if c.get(key) is not None and c[key] not in pool:
                raise BundleError(f"{key} {c[key]!r} is not in this bundle", f"$.classes[{i}].{key}")
        class_schedule[c["id"]] = schedules.get(c.get("bell_schedule_id"), set())
    for i, s in enumerate(content.get("students", [])):
        if s["class_id"] not in classes:
            raise BundleError(f"class {s['class_id']!r} is not in this bundle", f"$.students[{i}].class_id")
    for section in ("lessons", "overrides"):
        for i, x in enumerate(content.get(section, [])):
            where = f"$.{section}[{i}]"
            if x["class_id"] not in classes:
                raise BundleError(f"class {x['class_id']!r} is not in this bundle", f"{where}.class_id")
            if x["period"] not in class_schedule[x["class_id"]]:
                raise BundleError(f"period {x['period']} is not in the class's bell schedule", f"{where}.period")
            for key, pool in (("teacher_id", teachers), ("room_id", rooms)):
                if x.get(key) is not None and x[key] not in pool:
                    raise BundleError(f"{key} {x[key]!r} is not in this bundle", f"{where}.{key}")
    students = {s["id"] for s in content.get("students", [])}
    for i, f in enumerate(content.get("family_messages", [])):
        if f["student_id"] not in students:
            raise BundleError(f"student {f['student_id']!r} is not in this bundle", f"$.family_messages[{i}].student_id")
    for i, e in enumerate(content.get("exams", [])):
        if e["room_id"] not in rooms:
            raise BundleError(f"room {e['room_id']!r} is not in this bundle", f"$.exams[{i}].room_id")


def check_content(content: Any) -> None:
    validate("bundle", content)
    check_references(content)


def etag_of(content: dict[str, Any]) -> str:
    return sha256_hex(canonical_bytes(content))


def sign_bundle(content: dict[str, Any], hub_key: Ed25519PrivateKey) -> dict[str, Any]:
    """The envelope a hub serves: the content, its ETag and the hub's signature over the ETag."""
    check_content(content)
    etag = etag_of(content)
    return {"content": content, "etag": etag, "sig": sign(hub_key, bytes.fromhex(etag))}


def open_bundle(envelope: Any, hub_key: Ed25519PublicKey, *, expect_board: str | None = None) -> dict[str, Any]:
    """Verify and validate an envelope; returns the content or raises BundleError."""
    if not isinstance(envelope, dict) or not {"content", "etag", "sig"} <= envelope.keys():
        raise BundleError("envelope must have content, etag and sig")
    content = envelope["content"]
    try:
        size = len(canonical_bytes(content))
    except CanonicalError as exc:
        raise BundleError(str(exc)) from None
    if size > MAX_BUNDLE_BYTES:
        raise BundleError(f"bundle is {size} bytes; the limit is {MAX_BUNDLE_BYTES}")
    etag = etag_of(content)
    if envelope["etag"] != etag:
        raise BundleError("etag does not match the content", "$.etag")
    if not verify(hub_key, bytes.fromhex(etag), envelope["sig"]):
        raise BundleError("signature does not verify with the pinned hub key", "$.sig")
    check_content(content)
    if expect_board is not None and content["board_id"] != expect_board:
        raise BundleError(f"bundle is for board {content['board_id']!r}, not this one", "$.content.board_id")
    return content
