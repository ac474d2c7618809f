"""The board's screens: a Flask app on localhost that Chromium shows in kiosk mode.

Thin on purpose: every answer comes from the board's services (``edge``);
this package only lays it out, in the configured language.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from flask import Flask, g

from .cache import HomeCache
from .i18n import translator

HERE = Path(__file__).parent


def create_app(board, hooks: dict[str, Callable[[], Any]] | None = None) -> Flask:
    """``hooks``: optional hardware actions (``screen_test``, ``speaker_test``, ``capture_frame``)."""
    app = Flask("classboard-kiosk", template_folder=str(HERE / "templates"), static_folder=str(HERE / "static"))
    lang = board.config.board.language
    app.config.update(BOARD=board, HOOKS=hooks or {}, LANG=lang, T=translator(lang), HOME_CACHE=HomeCache(),
                      SEND_FILE_MAX_AGE_DEFAULT=3600, SECRET_KEY=board.card_key(),
                      MAX_CONTENT_LENGTH=13 * 1024 * 1024)  # a class photo, with room for the form around it

    @app.context_processor
    def inject() -> dict[str, Any]:
        return {"t": app.config["T"], "lang": lang, "orientation": board.config.ui.orientation,
                "idle_s": board.config.ui.idle_timeout_s, "rotate_ms": board.config.ui.notice_rotate_ms}

    @app.after_request
    def security_headers(response):
        # The page only ever loads its own files: a notice cannot pull anything in.
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'self'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.errorhandler(413)
    def too_large(_exc):
        from flask import render_template
        t = app.config["T"]
        return render_template("message.html", title=t("photo_roll_call"), message=t("photo_too_big", kb="> 13000",
                                                                                  mb=12)), 413

    from . import class_life, corner, events, family, screens, staff
    for blueprint in (*screens.BLUEPRINTS, *staff.BLUEPRINTS, events.events, corner.corner, class_life.class_life,
                      family.family):
        app.register_blueprint(blueprint)
    return app
