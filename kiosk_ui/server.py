"""Serving the screens with waitress on localhost until told to stop."""
from __future__ import annotations

import threading

from .app import create_app


def serve(board, host: str, port: int, stop: threading.Event, hooks=None) -> None:
    from waitress.server import create_server

    server = create_server(create_app(board, hooks), host=host, port=port, threads=6)
    threading.Thread(target=lambda: (stop.wait(), server.close()), name="ui-stop", daemon=True).start()
    try:
        server.run()
    except OSError:
        if not stop.is_set():
            raise
