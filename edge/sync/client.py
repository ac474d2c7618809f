"""Signed HTTP to the hub. Every call has a timeout: the screen never waits on the network."""
from __future__ import annotations

import json
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from protocol.auth import sign_request

TIMEOUT = (5, 30)  # connect, read


class HubUnavailable(Exception):
    """The hub could not be reached or answered with a server error: try again later."""


class HubRefused(Exception):
    """The hub answered with a 4xx: retrying the same request will not help."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"hub refused ({status}): {detail}")
        self.status, self.detail = status, detail


class PinnedAdapter(HTTPAdapter):
    """HTTPS that accepts exactly one certificate, by its SHA-256 fingerprint (urllib3's assert_fingerprint).

    No CA store is consulted: the hub's certificate is usually self-made, and a
    certificate any CA signed for an impostor must not pass either.
    """

    def __init__(self, fingerprint: str) -> None:
        self.fingerprint = fingerprint
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["assert_fingerprint"] = self.fingerprint
        return super().init_poolmanager(*args, **kwargs)

    def send(self, request, **kwargs):
        kwargs["verify"] = False  # nosec B501: the fingerprint pin above replaces CA checks; it is stricter
        return super().send(request, **kwargs)


class HubClient:
    def __init__(self, base_url: str, board_id: str, key, session: requests.Session | None = None,
                 pin: str = "") -> None:
        """``pin``: the hub certificate's fingerprint, for an https URL (without one, the system's CAs decide)."""
        self.base = base_url.rstrip("/")
        self.board_id, self.key = board_id, key
        self.http = session or requests.Session()
        if pin and self.base.startswith("https://"):
            self.http.mount("https://", PinnedAdapter(pin))

    def request(self, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None,
                signed: bool = True) -> requests.Response:
        all_headers = dict(headers or {})
        if signed:
            all_headers.update(sign_request(self.key, self.board_id, method, path, body))
        try:
            response = self.http.request(method, self.base + path, data=body or None, headers=all_headers,
                                         timeout=TIMEOUT)
        except requests.exceptions.SSLError as exc:
            raise HubUnavailable(f"{method} {path}: the hub's certificate is not the pinned one "
                                 f"(or TLS failed): {exc}") from None
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


def peer_fingerprint(url: str, timeout: float = 5.0) -> str:
    """The fingerprint of whatever certificate ``url``'s server shows: trust on first use, when no pin is given."""
    import socket
    import ssl
    from urllib.parse import urlsplit

    from protocol.tlspin import der_fingerprint

    parts = urlsplit(url)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # nosec B502: only to read the certificate; it is pinned, then checked
    try:
        with socket.create_connection((parts.hostname, parts.port or 443), timeout=timeout) as raw:
            with context.wrap_socket(raw, server_hostname=parts.hostname) as tls:
                der = tls.getpeercert(binary_form=True)
    except OSError as exc:
        raise HubUnavailable(f"{url}: cannot read its certificate: {exc}") from None
    return der_fingerprint(der)
