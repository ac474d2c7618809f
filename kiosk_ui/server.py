"""Serving the screens with waitress on localhost until told to stop."""
from __future__ import annotations

import threading
from typing import Any, Callable

from .app import create_app

# Keep reading a connection while its request runs, so a page that left is noticed at once and its held-open
# event stream (kiosk_ui/events.py) frees its thread; waitress then offers environ["waitress.client_disconnected"].
LOOKAHEAD = 4
# Each open page holds one thread for its event stream; the rest serve pages, JSON and taps.
THREADS = 16


def make_server(board, host: str = "127.0.0.1", port: int = 0,
                hooks: dict[str, Callable[[], Any]] | None = None):
    """The screens' waitress server, not yet running (``.run()`` blocks; ``effective_port`` is bound).

    waitress rather than Flask's dev server: it is pure Python (nothing to
    build on an ARM board), threaded, and made for running unattended.
    """
    from waitress.server import create_server

    # poll(), not select(): select() fails outright once any descriptor of the process passes 1023
    return create_server(create_app(board, hooks), host=host, port=port, threads=THREADS,
                         channel_request_lookahead=LOOKAHEAD, asyncore_use_poll=True)


def shut(server) -> None:
    """Stop for good: the listening socket, every open connection (held event streams too) and the threads.

    waitress's own ``close()`` only closes the listening socket; its loop then
    keeps serving connections still open (a browser's keep-alive or event
    stream) and its threads stay, so a stopped screen server would linger.
    """
    from waitress import wasyncore

    closed = threading.Event()
    once = threading.Lock()

    def close_everything() -> None:
        # Exactly once: if the loop thread and this one both closed, the second os.close() of a descriptor could
        # hit a number another server has just been given (a closed pipe end is reused at once).
        with once:
            if not closed.is_set():
                wasyncore.close_all(server._map, ignore_all=True)
                closed.set()

    if not getattr(server.trigger, "_closed", False):  # a closed trigger's number may already be someone else's
        try:  # in the server's own loop thread: its loop then ends (nothing left to serve)
            server.trigger.pull_trigger(close_everything)
        except OSError:  # closed meanwhile: the loop has ended
            pass
    if not closed.wait(5):  # the loop is not running (never started, or already ended) or is very late
        close_everything()
    server.task_dispatcher.shutdown(timeout=3)  # streams see their connection closed within a re-check


def serve(board, host: str, port: int, stop: threading.Event | None = None,
          hooks: dict[str, Callable[[], Any]] | None = None) -> None:
    """Block serving the screens; returns once ``stop`` is set (or never, without one)."""
    server = make_server(board, host, port, hooks)
    if stop is not None:
        threading.Thread(target=lambda: (stop.wait(), shut(server)), name="ui-stop", daemon=True).start()
    try:
        server.run()
    except OSError:
        if stop is None or not stop.is_set():
            raise
