"""What guardians are told: on their page, and through the school's own messaging gateway (a webhook).

``scan`` reads the usage records that arrived since its last run: ``family.message``
records (a board holding, playing or answering a message) update the message's state;
``attendance.session`` records that name absent or on-leave students (``data.absent`` /
``data.leave``, lists of student ids) notify those students' guardians. Boards today send
only counts in a roll call's record, so the absence notice waits for boards that name them.

The webhook is signed with HMAC-SHA256 over ``<timestamp>.<body>`` (header
``X-Classboard-Signature: t=<unix seconds>,v1=<hex>``) and retried with exponential backoff.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import requests

from ..db import exclusive
from ..models import SchoolData, UsageRecord
from .accounts import guardians_of, students_by_id
from .models import FamilyMessage, FamilyNotification, WebhookDelivery

log = logging.getLogger(__name__)
POLICY_KEY = "family.policy"
MARK_KEY = "family.mark"
MAX_ATTEMPTS = 10
BACKOFF_BASE_S = 5
BACKOFF_CAP_S = 3600
LEASE_S = 60  # how long a claimed call is another process's; longer than one attempt's 5 s timeout


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def policy() -> dict[str, Any]:
    """The school's family settings: webhook URL and secret, whether teachers may read messages."""
    row = SchoolData.get_or_none(SchoolData.key == POLICY_KEY)
    return dict({"webhook_url": "", "webhook_secret": "", "teachers_read_content": False},
                **(json.loads(row.value) if row else {}))


def set_policy(**changes: Any) -> dict[str, Any]:
    current = policy()
    unknown = set(changes) - set(current)
    if unknown:
        raise ValueError(f"unknown family setting: {', '.join(sorted(unknown))}")
    url = changes.get("webhook_url", current["webhook_url"])
    if url and not url.startswith(("http://", "https://")):
        raise ValueError("the webhook URL must start with http:// or https://")
    current.update(changes)
    SchoolData.upsert(key=POLICY_KEY, value=json.dumps(current, ensure_ascii=False), version=1)
    return current


def notify(guardian_id: str, student_id: str, kind: str, text: str, source: str) -> bool:
    """One notification per cause; also queued for the school's webhook when one is set."""
    now, key = _now(), f"{guardian_id}:{source}"[:250]
    if FamilyNotification.select().where(FamilyNotification.source == key).exists():
        return False
    FamilyNotification.create(guardian_id=guardian_id, student_id=student_id, kind=kind, text=text, at=now,
                              source=key)
    if policy()["webhook_url"]:
        payload = {"event": f"family.{kind}", "guardian_id": guardian_id, "student_id": student_id, "text": text,
                   "at": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "id": source}
        WebhookDelivery.create(event=kind, payload=json.dumps(payload, ensure_ascii=False), created_at=now,
                               next_at=now)
    return True


def _mark() -> datetime:
    row = SchoolData.get_or_none(SchoolData.key == MARK_KEY)
    return datetime.fromisoformat(row.value) if row else datetime(1970, 1, 1)


def scan(limit: int = 5000) -> int:
    """Apply the records received since the last scan; returns how many were looked at.

    Every hub process runs this loop: the mark is read inside a transaction only one of them holds at a
    time, so two never apply the same records (and never both queue the same webhook call)."""
    names = None
    with exclusive(MARK_KEY):
        rows = list(UsageRecord.raw(
            f'SELECT "id", "kind", "at", "data", "received_at" FROM "usagerecord"{_received_hint()} '
            f'WHERE "received_at" > {_p()} AND "kind" IN ({_p()}, {_p()}) ORDER BY "received_at" LIMIT {int(limit)}',
            _mark(), "family.message", "attendance.session"))
        if not rows:
            return 0
        for r in rows:
            data = json.loads(r.data)
            if r.kind == "family.message":
                _message_event(data, r.at)
            else:
                names = names or students_by_id()
                for status, word in (("absent", "缺勤"), ("leave", "请假")):
                    for sid in data.get(status, []) if isinstance(data.get(status), list) else []:
                        name = names.get(sid, {}).get("name", "")
                        period = data.get("period")
                        text = f"{name} 在{'第 %s 节' % period if period else '今天的'}点名中记为{word}"
                        for gid in guardians_of(str(sid)):
                            notify(gid, str(sid), status, text, f"{r.id}:{sid}")
        SchoolData.upsert(key=MARK_KEY, value=rows[-1].received_at.isoformat(), version=1)
    return len(rows)


def _p() -> str:
    return UsageRecord._meta.database.param


def _received_hint() -> str:
    """SQLite without statistics walks the kind index through the whole table (as hub/report/tally.py found);
    the received_at index reads only what is new."""
    from peewee import PostgresqlDatabase

    from ..models import database
    return "" if isinstance(database.obj, PostgresqlDatabase) else ' INDEXED BY "usagerecord_received_at"'


def _message_event(data: dict[str, Any], at: datetime) -> None:
    event, mid = data.get("event"), str(data.get("message_id", ""))
    if event == "delivered":
        FamilyMessage.update(delivered_at=at).where((FamilyMessage.id == mid) &
                                                    FamilyMessage.delivered_at.is_null()).execute()
    elif event in ("read", "played"):
        FamilyMessage.update(read_at=at).where((FamilyMessage.id == mid) & FamilyMessage.read_at.is_null()).execute()


def reply_arrived(reply: FamilyMessage) -> None:
    name = students_by_id().get(reply.student_id, {}).get("name", "孩子")
    if reply.guardian_id:
        notify(reply.guardian_id, reply.student_id, "reply", f"{name} 给您回了一段 {reply.media_seconds} 秒的语音",
               reply.id)


def sign(secret: str, body: bytes, ts: int) -> str:
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def deliver_due(now: datetime | None = None, session: requests.Session | None = None, limit: int = 20) -> int:
    """Send the webhook calls that are due; a failure is tried again later, up to MAX_ATTEMPTS times."""
    now = now or _now()
    conf = policy()
    sent = 0
    due = list(WebhookDelivery.select().where(WebhookDelivery.done_at.is_null() &
                                              (WebhookDelivery.next_at <= now) &
                                              (WebhookDelivery.attempts < MAX_ATTEMPTS)).limit(limit))
    http = session or requests
    for d in due:
        # claim it first: every hub process runs this loop, and the gateway must get each call once. The
        # claim moves next_at past a lease, so a process killed while sending leaves it to be retried then.
        claimed = WebhookDelivery.update(next_at=now + timedelta(seconds=LEASE_S)).where(
            (WebhookDelivery.id == d.id) & (WebhookDelivery.next_at == d.next_at) &
            WebhookDelivery.done_at.is_null()).execute()
        if claimed != 1:
            continue  # another process took it
        body = d.payload.encode()
        ts = int(time.time())
        error = ""
        try:
            reply = http.post(conf["webhook_url"], data=body, timeout=5, headers={
                "Content-Type": "application/json", "X-Classboard-Event": f"family.{d.event}",
                "X-Classboard-Signature": sign(conf["webhook_secret"], body, ts)})
            if not 200 <= reply.status_code < 300:
                error = f"answered {reply.status_code}"
        except requests.RequestException as exc:
            error = f"{exc.__class__.__name__}"
        attempts = d.attempts + 1
        if error:
            delay = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** (attempts - 1))
            WebhookDelivery.update(attempts=attempts, last_error=error,
                                   next_at=now + timedelta(seconds=delay)).where(WebhookDelivery.id == d.id).execute()
        else:
            WebhookDelivery.update(attempts=attempts, done_at=now, last_error="").where(
                WebhookDelivery.id == d.id).execute()
            sent += 1
    return sent


class Notifier:
    """The hub's background loop for families: scan new records, send due webhook calls."""

    def __init__(self, interval_s: float = 2.0) -> None:
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="family-notify", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                scan()
                deliver_due()
            except Exception:  # noqa: BLE001 - the loop must survive a bad row; the error is logged
                log.exception("family notifications failed; will try again")

    def stop(self) -> None:
        self._stop.set()
