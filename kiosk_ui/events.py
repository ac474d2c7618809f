"""Live updates by short polling: the home page asks every few seconds whether what it shows changed.

Polling rather than a held-open SSE stream keeps every waitress thread free
and survives server restarts without reconnect logic; the answer also says
when the notices next change, so the page re-renders at that instant rather
than on the next tick.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from .present import home_view

events = Blueprint("events", __name__)


@events.get("/home.json")
@events.get("/api/home.json")
def home_state():
    """A version of what home shows; the page reloads only when it differs from the one it rendered."""
    board = current_app.config["BOARD"]
    state = dict(current_app.config["HOME_CACHE"].get(board, "home.json", lambda: _state(board)))
    change = state.pop("next_change")
    state["next_change_s"] = max(0, int((change - board.clock.now()).total_seconds())) if change else None
    return jsonify(state)


def _state(board) -> dict:
    view = home_view(board, current_app.config["T"], current_app.config["LANG"])
    key = (view.time_text, view.current and view.current.subject, view.countdown_min, view.current_left_min,
           [n["id"] for n in view.notices], bool(view.emergency), bool(view.exam), [a["value"] for a in view.air])
    return {"version": str(hash(repr(key))), "emergency": bool(view.emergency),
            "next_change": board.notices.next_change(**board.audience())}
