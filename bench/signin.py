"""Sign-in guessing: how many passwords an attacker can try per minute, without and with the throttle.

The hub's real console (Flask app, Argon2, SQLite) in this process, driven
through its test client by an attacker that retries the moment it may:

- *before*: the throttle switched off (as the hub was before issue #17): the
  guess rate is bounded only by Argon2 and the request, measured over
  --seconds of real time, per account and per address alike;
- *after*: the throttle on, on a moved clock: each refusal's Retry-After is
  waited (the clock jumps instead of sleeping) and each request's real time is
  added, for --minutes of simulated attack: guesses actually checked, per
  account (one name, from ever-new addresses, as a botnet would) and per
  address (ever-new names from one address, a password spray);
- the same for the family page (issue #16), which faces the internet: guardian
  one-time codes guessed from one address, and one guardian's password from
  ever-new addresses.

Goal: after, ≤ 15 guesses in the first minute and ≤ 4 an hour once locked
out (the second half of the simulated attack), per account and per address;
before vs after as a ratio. Ends with one JSON line.
Run: .venv/bin/python bench/signin.py [--quick]
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_app(workdir: Path):
    from hub.app import create_app
    from hub.config import HubConfig
    from hub.console import create_user

    app = create_app(HubConfig(data_dir=workdir / "hub"))
    with app.app_context():
        create_user("admin", "the-real-password")
    return app


# target → (page with the form, form action, its name field, what the bench guesses, wrong answer's status)
TARGETS = {"account": ("/login", "/login", "username", "password", 401),
           "address": ("/login", "/login", "username", "password", 401),
           "guardian": ("/family/", "/family/login", "login", "password", 401),
           "code": ("/family/", "/family/enrol", "login", "code", 400)}


class Attacker:
    def __init__(self, app, per: str) -> None:
        self.app, self.target = app, TARGETS[per]
        self.client = app.test_client()
        page = self.client.get(self.target[0]).data.decode()
        self.csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)

    def guess(self, name: str, address: str, secret: str) -> tuple[int, int]:
        """(status, Retry-After or 0)."""
        _page, action, name_field, secret_field, _wrong = self.target
        form = {name_field: name, "password": "long-enough-password", secret_field: secret, "csrf": self.csrf}
        response = self.client.post(action, data=form, environ_base={"REMOTE_ADDR": address})
        return response.status_code, int(response.headers.get("Retry-After", 0))


def who(per: str, n: int, subnet: int) -> tuple[str, str]:
    """(name, address) of guess ``n``: one name from ever-new addresses, or anything from one address."""
    if per in ("account", "guardian"):
        return "admin", f"10.{subnet}.{n // 250}.{n % 250}"
    return f"user{n}", "10.9.9.9"


def unthrottled(app, seconds: float, per: str) -> float:
    """Guesses per minute with the throttle off, in real time."""
    from hub.security import throttle

    attacker, saved = Attacker(app, per), throttle.charge
    throttle.charge = lambda keys: None
    try:
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            name, address = who(per, n, 1)
            status, _ = attacker.guess(name, address, f"guess-{n}")
            assert status == TARGETS[per][4], status
            n += 1
        return n / (time.perf_counter() - start) * 60
    finally:
        throttle.charge = saved


def throttled(app, minutes: float, per: str) -> tuple[int, int, int, int]:
    """(guesses checked in the first simulated minute, in the second half, in all ``minutes``; refusals)."""
    from hub.models import Throttle
    from hub.security import throttle

    Throttle.delete().execute()
    attacker, saved = Attacker(app, per), throttle.clock
    now = [datetime(2026, 12, 1, 8, 0, 0)]
    throttle.clock = lambda: now[0]
    start, end = now[0], now[0] + timedelta(minutes=minutes)
    checked = first_minute = second_half = refused = 0
    try:
        for n in range(100_000):  # bounded; the clock runs out long before
            if now[0] >= end:
                break
            name, address = who(per, n, 2)
            t0 = time.perf_counter()
            status, retry = attacker.guess(name, address, f"guess-{n}")
            now[0] += timedelta(seconds=time.perf_counter() - t0)
            if status == 429:
                refused += 1
                now[0] += timedelta(seconds=retry)
            else:
                checked += 1
                first_minute += now[0] - start <= timedelta(minutes=1)
                second_half += now[0] - start > timedelta(minutes=minutes / 2)
        return first_minute, second_half, checked, refused
    finally:
        throttle.clock = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="real time for the unthrottled rate")
    parser.add_argument("--minutes", type=float, default=60.0, help="simulated attack with the throttle")
    parser.add_argument("--quick", action="store_true", help="2 s unthrottled, 10 simulated minutes")
    args = parser.parse_args()
    seconds, minutes = (2.0, 10.0) if args.quick else (args.seconds, args.minutes)

    import logging
    logging.disable(logging.WARNING)
    workdir = Path(tempfile.mkdtemp(prefix="classboard-signin-"))
    try:
        app = make_app(workdir)
        result = {"bench": "signin", "simulated_minutes": minutes}
        for per in ("account", "address", "guardian", "code"):
            before = unthrottled(app, seconds, per)
            first, late, total, refused = throttled(app, minutes, per)
            sustained, steady = total / minutes, late / (minutes / 2) * 60
            bound = "request-bound: a code needs no Argon2" if per == "code" else "Argon2-bound"
            print(f"per {per:8} before: {before:8.1f} guesses/min ({bound}, real time {seconds:.0f} s)")
            print(f"             after:  {first:8d} in the first minute, {total} in {minutes:.0f} simulated min "
                  f"= {sustained:.2f}/min ({refused} refused with Retry-After); "
                  f"{steady:.1f}/hour in its second half")
            print(f"             ratio:  {before / max(sustained, 1e-9):8.0f}× fewer guesses sustained")
            result.update({f"before_per_min_per_{per}": round(before, 1),
                           f"after_first_minute_per_{per}": first,
                           f"after_per_min_per_{per}": round(sustained, 3),
                           f"after_steady_per_hour_per_{per}": round(steady, 1),
                           f"ratio_per_{per}": round(before / max(sustained, 1e-9), 1)})
        print(json.dumps(result))
    finally:
        from hub.models import database
        database.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
