"""Live updates: the board's server pushes the home screen's version to the page (Server-Sent Events).

The page holds one EventSource on ``/api/home/events``. The stream waits on
the board's change counter (``edge/changes.py``), which an alert from the hub
or a new bundle bumps, and re-checks every quarter second for what no one
announces (a notice starting, the minute turning); it sends an event only
when the version differs from the last one sent. A stream lasts about a
minute and then ends, so a waitress thread is never held for good; the page's
EventSource reconnects after the ``retry`` delay. ``/api/home.json`` answers
the same state for pages polling without a stream (the fallback).
"""
from __future__ import annotations

import json
import time

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context, url_for

from .present import active_emergency, home_view

events = Blueprint("events", __name__)
STREAM_S = 55.0  # then the page reconnects: threads are freed, and a restarted server is found again
RECHECK_S = 0.25
RETRY_MS = 500


@events.get("/home.json")
@events.get("/api/home.json")
def home_state():
    """A version of what home shows; the page reloads only when it differs from the one it rendered."""
    return jsonify(current_state(current_app.config["BOARD"]))


@events.get("/api/home/events")
def home_events():
    board = current_app.config["BOARD"]
    # waitress (with channel_request_lookahead) says when the page went away: the thread is free at once
    gone = request.environ.get("waitress.client_disconnected") or (lambda: False)

    def stream():
        yield f"retry: {RETRY_MS}\n\n"
        last, seen, quiet = None, board.changes.count, time.monotonic()
        deadline = time.monotonic() + STREAM_S
        while time.monotonic() < deadline and not gone() and not board.changes.closed:
            state = current_state(board)
            if (state["version"], state.get("tap")) != last:  # a new tap's answer is sent too
                last = (state["version"], state.get("tap"))
                quiet = time.monotonic()
                yield f"event: home\ndata: {json.dumps(state)}\n\n"
            elif time.monotonic() - quiet > 5:  # a comment now and then: a dead page is also found by the write failing
                quiet = time.monotonic()
                yield ": still here\n\n"
            seen = board.changes.wait(seen, RECHECK_S)
            if board.changes.closed:
                return

    return Response(stream_with_context(stream()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def current_state(board) -> dict:
    emergency = active_emergency(board)  # checked first and alone: a takeover need not wait for the rest of home
    if emergency:
        return {"version": emergency_version(emergency), "emergency": True, "next_change_s": None}
    corner = board.corner.current()  # a student's card was just tapped: their corner
    if corner is not None:
        state = {"version": "corner:" + corner.token, "emergency": False, "next_change_s": None,
                 "corner": "/me/" + corner.token}
    else:
        state = dict(current_app.config["HOME_CACHE"].get(board, "home.json", lambda: _state(board)))
        change = state.pop("next_change")
        state["next_change_s"] = max(0, int((change - board.clock.now()).total_seconds())) if change else None
    answer = board.tap_answers.current()  # what edge answered the last tap, whoever read the card
    if answer is not None:
        state["tap"] = tap_answer(answer)
    return state


def tap_answer(answer) -> dict:
    """The answer as the page shows it: a toast in the board's language (with whose card), or the page to open.

    A page that is already the one to open (a teacher tapping on the teacher's
    pages) shows the message instead of opening it again.
    """
    t = current_app.config["T"]
    said = t("tap_" + (answer.say or answer.open))
    return {"id": answer.id, "message": t("tap_named", said=said, name=answer.name) if answer.name else said,
            "open": url_for("teacher.index") if answer.open == "teacher" else None}


def emergency_version(emergency: dict) -> str:
    return "emergency:" + str(hash(repr(sorted(emergency.items()))))


def version_of(view) -> str:
    """Changes exactly when something home shows changes."""
    key = (view.time_text, view.current and view.current.subject, view.countdown_min, view.current_left_min,
           [n["id"] for n in view.notices], bool(view.emergency), bool(view.exam), [a["value"] for a in view.air],
           repr(view.extra))
    return str(hash(repr(key)))


def _state(board) -> dict:
    view = home_view(board, current_app.config["T"], current_app.config["LANG"])
    return {"version": version_of(view), "emergency": bool(view.emergency),
            "next_change": board.notices.next_change(**board.audience())}
