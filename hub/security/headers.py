"""Browser protections on every hub response: what a page may load, who may frame it, what it leaks.

Scripts come only from the hub's own static files (no inline script, so an
injected ``<script>`` in a notice or a board name cannot run); no site may
frame the console (clickjacking of 吊销 Revoke or 广播 Broadcast); links out
carry no console URL. Inline *styles* stay allowed: the report page and its
SVG charts carry their own, and a style cannot run code.
"""
from __future__ import annotations

from flask import Flask, Response, request

POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
          "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
          "frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), geolocation=(), microphone=(self)",  # the console's paging uses the mic
}
# Only on HTTPS answers (browsers ignore it on plain HTTP, and a plain-HTTP demo must stay reachable): once a
# browser has seen the hub over HTTPS it never again sends a password or a guardian code to it in clear text.
# Browsers keep the rule only from a connection without certificate errors, so a self-made certificate the
# staff clicked through does not pin anyone; no includeSubDomains: the hub does not own its parent domain.
HSTS = "max-age=31536000"


def install(app: Flask) -> None:
    """Add the headers to every response (API answers too: a JSON body must not be sniffed as HTML)."""
    @app.after_request
    def protect(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.is_secure:  # TLS here, or X-Forwarded-Proto: https from the trusted proxy (--behind-proxy)
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
