"""Is an emergency in force? An emergency notice from the bundle, or an alert pushed by the hub."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from .bundle_store import get_setting


def current_emergency(board) -> dict[str, Any] | None:
    """``{"title", "body", "format"}`` of the emergency to show and sound, or None."""
    notice = board.notices.emergency(**board.audience())
    if notice is not None:
        return {"title": notice.title, "body": notice.body, "format": notice.format}
    raw = get_setting("alert.current")
    if not raw:
        return None
    alert = json.loads(raw)
    expires = datetime.strptime(alert["expires_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    if expires <= board.clock.now():
        return None
    return {"title": alert.get("title", ""), "body": alert.get("body", ""), "format": "text"}
