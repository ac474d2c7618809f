"""What students see and tap: home, the week, a notice, class life, the air over a day, exam mode.

One blueprint per screen, so each screen's routes sit together and can be
found by the name the school uses for it.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, render_template, request, session

from edge.store import models as m

from .chart import line_chart_svg
from .events import emergency_version
from .present import active_emergency, home_view, lesson_view, running_exam
from .sanitize import notice_html

home = Blueprint("home", __name__)
timetable = Blueprint("timetable", __name__)
notices = Blueprint("notices", __name__)
culture = Blueprint("culture", __name__)
air = Blueprint("air", __name__)
exam = Blueprint("exam", __name__)
BLUEPRINTS = (home, timetable, notices, culture, air, exam)


def _board():
    return current_app.config["BOARD"]


@home.get("/")
def index():
    board = _board()
    # Coming home (a tap on 返回 or the idle timer) ends any staff session: the
    # next person at the board must not inherit a teacher's or admin's rights.
    if board.teachers.current is not None:
        board.teachers.end()
    session.pop("admin", None)
    return current_app.config["HOME_CACHE"].get(board, "home", lambda: _render_home(board))


def _render_home(board) -> str:
    from .events import version_of

    emergency = active_emergency(board)
    if emergency:  # takes over the whole screen until it ends; painted without building the rest of home
        return render_template("emergency.html", v={"emergency": emergency}, version=emergency_version(emergency))
    view = home_view(board, current_app.config["T"], current_app.config["LANG"])
    version = version_of(view)  # the page compares the pushed version with this one
    if view.exam:
        return render_template("exam.html", v=view, exam=view.exam, version=version)
    return render_template("home.html", v=view, version=version, camera="capture_frame" in current_app.config["HOOKS"])


@timetable.get("/week")
def week():
    board = _board()
    kwargs = {"class_id": board.class_id} if board.class_id else {"room_id": board.room_id}
    days = board.timetable.week(**kwargs)
    periods = sorted({(x.period, x.period_name) for lessons in days.values() for x in lessons})
    grid = {(d, x.period): lesson_view(x, board.zone) for d, lessons in days.items() for x in lessons}
    from .i18n import weekday_name
    headers = [(d, weekday_name(current_app.config["LANG"], d.isoweekday())) for d in days]
    return render_template("week.html", days=headers, periods=periods, grid=grid, today=board.timetable.today())


@notices.get("/notices/<notice_id>")
def notice(notice_id: str):
    n = m.Notice.get_or_none(m.Notice.id == notice_id) or abort(404)
    return render_template("notice.html", n=n, body=notice_html(n.body, n.format))


@culture.get("/culture")
def honours():
    board = _board()
    items = board.settings().get("culture", [])
    return render_template("culture.html", items=[i for i in items if isinstance(i, dict)][:20],
                           highlights=board.class_life.highlights(board.class_id))


@air.get("/air")
def day_chart():
    board = _board()
    from edge.environment import RoomAir
    monitor = RoomAir(board.db, board.clock, [])
    t = current_app.config["T"]
    charts = []
    for quantity, label, unit in (("co2_ppm", "co2", "ppm"), ("temperature_c", "temperature", "°C"),
                                  ("humidity_pct", "humidity", "%")):
        now = board.clock.now()
        series = [(at, value) for at, value in monitor.series(quantity, hours=24) if at <= now]  # no clock-skew future
        if series:
            charts.append({"label": t(label), "unit": unit,
                           "svg": line_chart_svg(series, now - timedelta(hours=24), now,
                                                 board.zone, thresholds={"co2_ppm": [1000, 1500]}.get(quantity, []))})
    return render_template("air.html", charts=charts)


@exam.get("/exam/seat")
def seat():
    running = running_exam(_board(), _board().clock.now())
    if running is None:
        abort(404)
    number = (request.args.get("candidate_no") or "").strip()[:40]
    found = next((s for s in running["seats"] if str(s.get("candidate_no")) == number), None)
    return render_template("exam.html", v=None, exam=running, query=number, found=found)
