"""The hub's access log: sign-ins (good and bad), enrollments and revocations.

A separate small table rather than the application log, so it is kept (and
pruned) with the evidence and a reviewer can read it from the console.
"""
from __future__ import annotations

from datetime import datetime, timezone

from .models import AccessLog


def log_access(event: str, *, actor: str = "", address: str = "", ok: bool = True, detail: str = "") -> None:
    AccessLog.create(at=datetime.now(timezone.utc).replace(tzinfo=None), event=event, actor=actor[:200],
                     address=address[:100], ok=ok, detail=detail[:1000])
