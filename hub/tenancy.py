"""Which school a piece of work is for: one hub can hold a district's schools as tenants.

A single-school hub needs no configuration: everything belongs to the
implicit school ``DEFAULT`` (the empty id), exactly as before tenants existed.
A district hub adds ``School`` rows; each board, claim, enrollment token,
notice, console user and report count then carries its school's id, and the
school's own documents (content, class life, report state) are kept under
keys prefixed with it (``data_key``).

The school being served is set once per request from who asks (the board's
own school, the signed-in user's school, or the school a district user chose)
and read everywhere through ``current()``; command-line tools and background
work use ``acting_for``.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

DEFAULT = ""  # the one implicit school of a single-school hub
_current: ContextVar[str] = ContextVar("classboard_school", default=DEFAULT)


def current() -> str:
    """The school this request or task works for (``DEFAULT`` on a single-school hub)."""
    from flask import g, has_request_context

    if has_request_context() and "school" in g:
        return g.school
    return _current.get()


def serve_school(school: str) -> None:
    """Bind the current request to ``school`` (called once the asker is known)."""
    from flask import g

    g.school = school


@contextmanager
def acting_for(school: str) -> Iterator[str]:
    """Work for ``school`` inside the block (command line, background jobs, tests)."""
    from flask import g, has_request_context

    saved = g.pop("school", None) if has_request_context() else None
    token = _current.set(school)
    try:
        yield school
    finally:
        _current.reset(token)
        if saved is not None:
            g.school = saved


def data_key(name: str, school: str | None = None) -> str:
    """The ``SchoolData`` key of the school's document ``name``: unchanged for the implicit school."""
    school = current() if school is None else school
    return name if school == DEFAULT else f"{school}/{name}"
