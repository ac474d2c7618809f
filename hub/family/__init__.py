"""Families (家校互通): guardians sign in with a one-time code, see their child's day, and exchange messages
(亲情留言) with the child's class board. See docs/family.md."""


def register(app) -> None:
    """The family page, its console part and the board's reply endpoint."""
    from .admin import family_admin
    from .board_api import family_board_api
    from .web import family

    try:  # the optional extra classboard[passkeys]; without it the pages offer passwords only
        from . import passkeys  # noqa: F401 - its routes join the family blueprint (and its CSRF rule)
        app.config["FAMILY_PASSKEYS"] = True
    except ImportError:
        app.config["FAMILY_PASSKEYS"] = False

    app.register_blueprint(family)
    app.register_blueprint(family_admin)
    app.register_blueprint(family_board_api)


def start_notifier(interval_s: float = 2.0):
    """The background loop (scan new records, call the school's webhook), started by ``hub serve``."""
    from .notify import Notifier

    notifier = Notifier(interval_s)
    notifier.start()
    return notifier
