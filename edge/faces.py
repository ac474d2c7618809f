"""Face check-in: off unless the school turns it on for a class, and only for students with guardian consent.

The rules, in the order they bite:
- the class must be listed in the bundle setting ``face_checkin_classes``;
- a template is made only for a student whose bundle row has ``face_consent``;
- templates are AES-GCM encrypted with a key derived from this board's own
  private key and bound to the student id, kept only in the board's store and
  never uploaded; images are used in memory and never stored;
- when consent is withdrawn (or the student leaves the roster) the template
  is deleted at the next bundle install;
- card and marker check-in keep working for everyone, always.
Without the model files the feature reports itself unavailable and says why.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timezone
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .checkin import TapResult
from .store import models as m


class FaceError(Exception):
    """Face check-in cannot do this; the message says why in words a teacher can act on."""


@dataclass(frozen=True)
class FaceStatus:
    available: bool
    reason_zh: str
    reason_en: str


def template_key(board_key) -> bytes:
    """A key for templates only, derived from the board's private key: a copied store is useless elsewhere."""
    raw = board_key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                  serialization.NoEncryption())
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"classboard face templates v1").derive(raw)


class FaceCheckIn:
    def __init__(self, board, engine=None, reason: str = "") -> None:
        """``engine``: a drivers.vision.faces engine; ``None`` (with ``reason``) when models are missing."""
        self.board, self.engine, self.reason = board, engine, reason
        self._aead = AESGCM(template_key(board.key))

    @classmethod
    def from_config(cls, board) -> "FaceCheckIn":
        from drivers.vision.faces import open_face_engine

        engine, reason = open_face_engine(Path(board.config.drivers.face_models_dir))
        return cls(board, engine, reason)

    # -- who may use it -------------------------------------------------------------------------------------
    def enabled_classes(self) -> set[str]:
        return {str(c) for c in self.board.settings().get("face_checkin_classes", [])}

    def status(self, class_id: str | None) -> FaceStatus:
        if self.engine is None:
            return FaceStatus(False, f"人脸签到不可用：{self.reason}。请使用刷卡或签到卡。",
                              f"Face check-in is unavailable: {self.reason}. Use a card or marker card.")
        if not class_id or class_id not in self.enabled_classes():
            return FaceStatus(False, "本班未开启人脸签到。请使用刷卡或签到卡。",
                              "Face check-in is not turned on for this class. Use a card or marker card.")
        return FaceStatus(True, "人脸签到已开启（仅限已取得监护人同意的学生）",
                          "Face check-in is on (only for students with guardian consent)")

    def _student(self, student_id: str) -> m.Student:
        student = m.Student.get_or_none(m.Student.id == student_id)
        if student is None:
            raise FaceError(f"no student {student_id!r} on this board's roster")
        return student

    # -- templates --------------------------------------------------------------------------------------------
    def _seal(self, student_id: str, feature: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, feature, student_id.encode())

    def _open(self, row: m.FaceTemplate) -> bytes | None:
        blob = bytes(row.sealed)
        try:
            return self._aead.decrypt(blob[:12], blob[12:], row.student_id.encode())
        except InvalidTag:
            return None  # made by another board's key, or altered: unusable, never trusted

    def enroll(self, student_id: str, image) -> None:
        """Keep the encrypted feature of the one face in ``image``; the image itself is not kept."""
        student = self._student(student_id)
        state = self.status(student.class_group_id)
        if not state.available:
            raise FaceError(state.reason_en)
        if not student.face_consent:
            raise FaceError(f"{student.name} has no recorded guardian consent; use a card or marker card")
        faces = self.engine.detect(image)
        if len(faces) != 1:
            raise FaceError(f"need exactly one face in the picture, found {len(faces)}")
        sealed = self._seal(student.id, self.engine.feature(image, faces[0]))
        now = self.board.clock.now().astimezone(timezone.utc).replace(tzinfo=None)
        m.FaceTemplate.insert(student_id=student.id, class_id=student.class_group_id, sealed=sealed,
                              enrolled_at=now).on_conflict_replace().execute()

    def withdraw(self, student_id: str) -> bool:
        return m.FaceTemplate.delete().where(m.FaceTemplate.student_id == student_id).execute() > 0

    def prune(self) -> int:
        """Delete templates whose student left or whose consent was withdrawn (after every bundle install)."""
        consenting = m.Student.select(m.Student.id).where(m.Student.face_consent == True)  # noqa: E712
        return m.FaceTemplate.delete().where(m.FaceTemplate.student_id.not_in(consenting)).execute()

    # -- check-in ---------------------------------------------------------------------------------------------
    def identify(self, image, class_id: str) -> list[TapResult]:
        """Check in every enrolled student of ``class_id`` recognised in ``image``; others are ignored."""
        state = self.status(class_id)
        if not state.available:
            raise FaceError(state.reason_en)
        templates: list[tuple[str, bytes]] = []
        for row in m.FaceTemplate.select().where(m.FaceTemplate.class_id == class_id):
            feature = self._open(row)
            if feature is not None:
                templates.append((row.student_id, feature))
        desk = self.board.checkin_desk()
        results, seen = [], set()
        for face in self.engine.detect(image):
            probe = self.engine.feature(image, face)
            scored: list[Any] = sorted(((self.engine.similarity(probe, f), sid) for sid, f in templates), reverse=True)
            if scored and scored[0][0] >= self.engine.threshold and scored[0][1] not in seen:
                seen.add(scored[0][1])
                student = m.Student.get_or_none(m.Student.id == scored[0][1])
                if student is not None and student.face_consent:
                    results.append(desk.check_in(student, "face"))
        return results
