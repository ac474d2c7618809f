"""Serving the screens with waitress on localhost until told to stop."""
from __future__ import annotations

import threading
from typing import Any, Callable

from .app import create_app

# Keep reading a connection while its request runs, so a page that left is noticed at once and its held-open
# event stream (kiosk_ui/events.py) frees its thread; waitress then offers environ["waitress.client_disconnected"].
LOOKAHEAD = 4


def serve(board, host: str, port: int, stop: threading.Event | None = None,
          hooks: dict[str, Callable[[], Any]] | None = None) -> None:
    """Block serving the screens; returns once ``stop`` is set (or never, without one).

    waitress rather than Flask's dev server: it is pure Python (nothing to
    build on an ARM board), threaded, and made for running unattended.
    """
    from waitress.server import create_server

    server = create_server(create_app(board, hooks), host=host, port=port, threads=16,  # each open page holds one for its event stream
                           channel_request_lookahead=LOOKAHEAD)
    if stop is not None:
        threading.Thread(target=lambda: (stop.wait(), server.close()), name="ui-stop", daemon=True).start()
    try:
        server.run()
    except OSError:
        if stop is None or not stop.is_set():
            raise
