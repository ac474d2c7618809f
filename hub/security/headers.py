"""Browser protections on every hub response: what a page may load, who may frame it, what it leaks.

Scripts come only from the hub's own static files (no inline script, so an
injected ``<script>`` in a notice or a board name cannot run); no site may
frame the console (clickjacking of 吊销 Revoke or 广播 Broadcast); links out
carry no console URL. Inline *styles* stay allowed: the report page and its
SVG charts carry their own, and a style cannot run code.
"""
from __future__ import annotations

from flask import Flask, Response

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


def install(app: Flask) -> None:
    """Add the headers to every response (API answers too: a JSON body must not be sniffed as HTML)."""
    @app.after_request
    def protect(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
