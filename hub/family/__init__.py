"""Families (家校互通): guardians sign in with a one-time code, see their child's day, and exchange messages
(亲情留言) with the child's class board. See docs/family.md."""


def register(app) -> None:
    """The family page, its console part, the board's reply endpoint, and the notification loop."""
    from .admin import family_admin
    from .board_api import family_board_api
    from .web import family

    app.register_blueprint(family)
    app.register_blueprint(family_admin)
    app.register_blueprint(family_board_api)


_notifier = None


def start_notifier() -> None:
    """The background loop (scan records, call the webhook) starts with the first family request.

    One loop per process, however many apps a process makes; a hub no guardian uses runs no loop.
    """
    from flask import current_app

    global _notifier
    if _notifier is None and not current_app.config.get("TESTING"):  # tests call scan/deliver_due themselves
        from .notify import Notifier
        _notifier = Notifier()
        _notifier.start()
