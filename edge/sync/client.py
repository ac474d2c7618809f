"""Signed HTTP to the hub. Every call has a timeout: the screen never waits on the network."""
from __future__ import annotations

import json
from typing import Any

import requests

from protocol.auth import sign_request

TIMEOUT = (5, 30)  # connect, read


class HubUnavailable(Exception):
    """The hub could not be reached or answered with a server error: try again later."""


class HubRefused(Exception):
    """The hub answered with a 4xx: retrying the same request will not help."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"hub refused ({status}): {detail}")
        self.status, self.detail = status, detail


class HubClient:
    def __init__(self, base_url: str, board_id: str, key, session: requests.Session | None = None) -> None:
        self.base = base_url.rstrip("/")
        self.board_id, self.key = board_id, key
        self.http = session or requests.Session()

    def request(self, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None,
                signed: bool = True) -> requests.Response:
        all_headers = dict(headers or {})
        if signed:
            all_headers.update(sign_request(self.key, self.board_id, method, path, body))
        try:
            response = self.http.request(method, self.base + path, data=body or None, headers=all_headers,
                                         timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise HubUnavailable(f"{method} {path}: {exc.__class__.__name__}: {exc}") from None
        if response.status_code >= 500:
            raise HubUnavailable(f"{method} {path}: hub answered {response.status_code}")
        if 400 <= response.status_code < 500:
            try:
                detail = response.json().get("detail") or response.json().get("title")
            except ValueError:
                detail = response.text[:200]
            raise HubRefused(response.status_code, str(detail))
        return response

    def post_json(self, path: str, document: Any, signed: bool = True) -> requests.Response:
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        return self.request("POST", path, body=body, headers={"Content-Type": "application/json"}, signed=signed)
