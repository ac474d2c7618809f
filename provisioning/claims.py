"""Claiming boards on the hub by the codes on their screens, one or hundreds at a time.

The hub accepts a claim only from an admin's API token, and a board only
enrolls with a code the hub holds, so typing codes here is what lets a board
in: a board seen over mDNS is never trusted for anything.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

import requests

from .devices import DeviceRow


class ClaimError(Exception):
    """The hub refused the claim or could not be reached; the message says which and why."""


@dataclass
class HubAdmin:
    url: str
    token: str
    timeout_s: float = 10.0
    session: requests.Session = field(default_factory=requests.Session)
    fingerprint: str = ""  # the hub certificate's SHA-256: trusted alone (the hub's own certificate is self-made)

    def __post_init__(self) -> None:
        if self.fingerprint:
            from edge.sync.client import PinnedAdapter
            self.session.mount("https://", PinnedAdapter(self.fingerprint))

    def claim(self, code: str, room: str, class_id: str | None = None, name: str = "") -> None:
        body = {"claim_code": code, "room_id": room, "class_id": class_id or None, "name": name}
        try:
            reply = self.session.post(self.url.rstrip("/") + "/api/v1/claims", json=body, timeout=self.timeout_s,
                                      headers={"Authorization": f"Bearer {self.token}"})
        except requests.exceptions.SSLError:
            raise ClaimError("the hub's certificate was not accepted: give its fingerprint (--fingerprint, "
                             "from 'classboard hub fingerprint'), and check it is the real hub") from None
        except requests.RequestException as exc:
            raise ClaimError(f"hub unreachable: {exc.__class__.__name__}") from None
        if reply.status_code != 201:
            try:
                detail = reply.json().get("detail") or reply.json().get("title")
            except ValueError:
                detail = reply.text[:200]
            raise ClaimError(f"hub refused ({reply.status_code}): {detail}")


@dataclass
class BulkResult:
    claimed: list[DeviceRow] = field(default_factory=list)
    skipped: list[tuple[DeviceRow, str]] = field(default_factory=list)
    failed: list[tuple[DeviceRow, str]] = field(default_factory=list)


def claim_all(hub: HubAdmin, rows: Iterable[DeviceRow],
              progress: Callable[[DeviceRow], None] = lambda row: None) -> BulkResult:
    """Claim every row that has a claim code; one failure never stops the rest."""
    result = BulkResult()
    for row in rows:
        if not row.claim_code:
            result.skipped.append((row, "no claim_code (it enrolls with the school token instead)"))
        else:
            try:
                hub.claim(row.claim_code, row.room, row.class_id, row.name)
                result.claimed.append(row)
            except ClaimError as exc:
                result.failed.append((row, str(exc)))
        progress(row)
    return result
