"""TLS to the hub (or its broker) trusting exactly one certificate: the one pinned at enrollment.

No CA store is consulted, so neither a public CA nor a LAN impostor with its
own certificate can stand in for the hub. Host names are not checked: boards
often reach the hub by an address its certificate does not name, and the
pin already says which certificate is the hub's.
"""
from __future__ import annotations

import hashlib
import ssl

PARTIAL_CHAIN = getattr(ssl, "VERIFY_X509_PARTIAL_CHAIN", 0x80000)  # trust a leaf itself (Python < 3.13 lacks the name)


def pinned_context(cert_pem: str) -> ssl.SSLContext:
    """A client context whose only trust anchor is ``cert_pem`` (self-made or CA-signed alike)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False  # the pin, not the name, identifies the hub (see above)
    context.verify_mode = ssl.CERT_REQUIRED
    context.verify_flags |= PARTIAL_CHAIN
    context.load_verify_locations(cadata=cert_pem)
    return context


def der_fingerprint(der: bytes) -> str:
    """SHA-256 of a DER certificate as ``AB:CD:…``: what the hub prints and a board pins."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def same_fingerprint(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return text.replace(":", "").replace(" ", "").strip().lower().removeprefix("sha256")
    return bool(a) and norm(a) == norm(b)
