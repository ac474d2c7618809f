"""Running the hub's WSGI app: HTTPS by default (cheroot, which speaks TLS), plain HTTP (waitress) when asked.

waitress has no TLS; cheroot (CherryPy's server) does, with the standard
library's ssl module, in its worker threads.
"""
from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Callable

# the largest body any route takes (a district's evidence archive, hub/district/evidence.py); every route keeps
# its own lower limit (Flask's MAX_CONTENT_LENGTH, raised per route for media and archives)
MAX_BODY = (1 << 30) + (1 << 20)


def run(app, host: str, port: int, threads: int, tls: tuple[Path, Path] | None,
        announce: Callable[[], None] = lambda: None, behind_proxy: bool = False) -> None:
    """Serve until SIGTERM or SIGINT; ``announce`` is called once the socket is bound.

    ``behind_proxy``: plain HTTP from a reverse proxy on this machine, whose X-Forwarded-For/-Proto/-Host
    (one hop) name the real client, so sign-in limits and the access log count the client, not the proxy.
    """
    stop = threading.Event()
    if tls is None:
        from waitress.server import create_server

        proxy = {"trusted_proxy": "127.0.0.1", "trusted_proxy_count": 1,
                 "trusted_proxy_headers": "x-forwarded-for x-forwarded-proto x-forwarded-host"} if behind_proxy else {}
        server = create_server(app, host=host, port=port, threads=threads, max_request_body_size=MAX_BODY,
                               asyncore_use_poll=True, **proxy)  # select() breaks past descriptor 1023
        close, serve = server.close, server.run
    else:
        from cheroot import wsgi
        from cheroot.ssl.builtin import BuiltinSSLAdapter

        from .security.tls import server_context

        context = server_context(*tls)  # first: a clear error for a pair that does not fit
        server = wsgi.Server((host, port), app, numthreads=threads, request_queue_size=64, timeout=30)
        server.max_request_body_size = MAX_BODY
        adapter = BuiltinSSLAdapter(str(tls[0]), str(tls[1]))
        adapter.context = context  # TLS 1.2 at least
        server.ssl_adapter = adapter
        server.prepare()
        close, serve = server.stop, server.serve

    def on_signal(*_):
        stop.set()
        if tls is None:
            close()
            raise SystemExit(0)  # waitress's loop ends on it (and shuts its workers) even with idle keep-alives open
        threading.Thread(target=close, daemon=True).start()  # cheroot's stop joins its threads: not in a handler

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    announce()
    try:
        serve()
    except OSError:
        if not stop.is_set():
            raise
