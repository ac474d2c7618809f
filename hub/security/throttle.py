"""Growing delays and lockouts for guessed secrets: passwords, enrollment tokens, claim codes, API tokens.

Every guess is charged *before* the secret is checked, with a compare-and-swap
on the counter row, so parallel requests (and several hub processes sharing
one database) cannot slip more guesses through than the policy allows. A
success clears the account's counter; the address's counter only gives back
the one guess it took, so a guesser cannot reset it with one good password.

A refused guess is answered at once (429 with Retry-After): sleeping in the
request would let a guesser tie up every server thread.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable

from peewee import IntegrityError

from ..models import Throttle

FORGET_AFTER = timedelta(hours=24)  # a counter left alone this long starts again from zero


@dataclass(frozen=True)
class Policy:
    """After ``free`` failures each further one doubles the wait (2 s, 4 s, … ``max_delay_s``);
    the ``lock_after``-th failure and every one after it locks for ``lockout_s``."""

    free: int
    max_delay_s: float
    lock_after: int | None = None
    lockout_s: float = 900.0

    def wait_after(self, failures: int) -> float:
        if self.lock_after is not None and failures >= self.lock_after:
            return self.lockout_s
        if failures < self.free:
            return 0.0
        return min(2.0 ** (failures - self.free + 1), self.max_delay_s)


ACCOUNT = Policy(free=3, max_delay_s=60, lock_after=10)  # one user name, from anywhere
ADDRESS = Policy(free=10, max_delay_s=60, lock_after=30)  # one source address, any user names
TOKEN_ADDRESS = Policy(free=5, max_delay_s=60, lock_after=20)  # enrollment or API tokens from one address
CLAIM_ADDRESS = Policy(free=30, max_delay_s=30)  # claim codes: a waiting board asks again and again; never locked
# Guardians come from phones on the internet, where a carrier's NAT puts many families behind one address:
# the address budgets are wider than the school LAN's, the guardian account's is the console's.
GUARDIAN_ADDRESS = Policy(free=20, max_delay_s=60, lock_after=60)  # guardian passwords from one address
GUARDIAN_CODE_ADDRESS = Policy(free=10, max_delay_s=60, lock_after=30)  # the letters' one-time codes, one address


class Throttled(Exception):
    """Too many failed guesses: refuse without checking the secret."""

    def __init__(self, key: str, retry_after: float) -> None:
        super().__init__(f"{key}: try again in {math.ceil(retry_after)} s")
        self.key, self.retry_after = key, max(1, math.ceil(retry_after))


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


clock: Callable[[], datetime] = _utcnow  # tests move time instead of sleeping


def _charge_one(key: str, policy: Policy, now: datetime) -> None:
    for _ in range(20):  # bounded: each round loses only to another request that charged the same key
        row = Throttle.get_or_none(Throttle.key == key)
        if row is None:
            _prune(now)
            try:
                Throttle.insert(key=key, failures=0, last_failure=now).on_conflict_ignore().execute()
            except IntegrityError:
                pass
            continue
        stale = now - row.last_failure > FORGET_AFTER
        if not stale and row.next_allowed is not None and row.next_allowed > now:
            raise Throttled(key, (row.next_allowed - now).total_seconds())
        failures = 1 if stale else row.failures + 1
        wait = policy.wait_after(failures)
        changed = (Throttle.update(failures=failures, last_failure=now,
                                   next_allowed=now + timedelta(seconds=wait) if wait else None)
                   .where(Throttle.key == key, Throttle.failures == row.failures,
                          Throttle.last_failure == row.last_failure).execute())
        if changed:
            return
    raise Throttled(key, 1)


def _check(key: str, now: datetime) -> None:
    row = Throttle.get_or_none(Throttle.key == key)
    if row is not None and row.next_allowed is not None and row.next_allowed > now \
            and now - row.last_failure <= FORGET_AFTER:
        raise Throttled(key, (row.next_allowed - now).total_seconds())


def charge(keys: Iterable[tuple[str, Policy]]) -> None:
    """Take one guess from each key's budget; raises ``Throttled`` if any key must wait (then none is charged,
    unless another request raced in between the look and the charge)."""
    now, keys = clock(), list(keys)
    for key, _ in keys:
        _check(key, now)
    for key, policy in keys:
        _charge_one(key, policy, now)


def cleared(account_key: str | None = None, address_keys: Iterable[str] = ()) -> None:
    """A guess was right: forget the account's failures, give each address back the guess it paid."""
    if account_key:
        Throttle.update(failures=0, next_allowed=None).where(Throttle.key == account_key).execute()
    for key in address_keys:
        Throttle.update(failures=Throttle.failures - 1).where(Throttle.key == key, Throttle.failures > 0).execute()


def _prune(now: datetime) -> None:
    """Counters nobody touched for a day go (a sprayer of made-up names must not grow the table forever)."""
    Throttle.delete().where(Throttle.last_failure < now - FORGET_AFTER,
                            (Throttle.next_allowed.is_null()) | (Throttle.next_allowed < now)).execute()


def keys_for_login(username: str, address: str, realm: str = "login",
                   address_policy: Policy = ADDRESS) -> list[tuple[str, Policy]]:
    """[address key, account key]; ``realm`` keeps a guardian called "admin" apart from the console's admin."""
    return [(f"{realm}.address:{address}", address_policy),
            (f"{realm}.account:{username.strip().lower()[:200]}", ACCOUNT)]


def keys_for_guardian_login(login: str, address: str) -> list[tuple[str, Policy]]:
    return keys_for_login(login, address, "family.login", GUARDIAN_ADDRESS)


def keys_for_guardian_code(address: str) -> list[tuple[str, Policy]]:
    return [(f"family.code.address:{address}", GUARDIAN_CODE_ADDRESS)]


def keys_for_enrollment(body: dict, address: str) -> list[tuple[str, Policy]]:
    """A token is charged hard, a claim code lightly (a waiting board keeps asking); neither: nothing to guess."""
    if body.get("enrollment_token"):
        return [(f"enroll.token.address:{address}", TOKEN_ADDRESS)]
    if body.get("claim_code"):
        return [(f"enroll.claim.address:{address}", CLAIM_ADDRESS)]
    return []


def unlock(username: str, realm: str = "login") -> int:
    """IT staff end a lockout at once (anyone who knows a user name can lock it by guessing on purpose):
    the account's counter goes, its address counters stay. Returns how many counters went (0 or 1)."""
    return Throttle.delete().where(Throttle.key == keys_for_login(username, "", realm)[1][0]).execute()


def unlock_address(address: str) -> int:
    """Forget every counter of one source address (a school's NAT after a misconfigured script, say)."""
    return Throttle.delete().where(Throttle.key.endswith(f".address:{address}")).execute()
