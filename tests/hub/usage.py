"""A school term of usage from several boards' logs, stored through the hub's real ingest path."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from protocol.keys import generate_keypair, public_text
from protocol.memlog import MemoryLog
from protocol.records import encode_batch, format_time, uuid7

SHANGHAI = ZoneInfo("Asia/Shanghai")
START, END = date(2026, 9, 7), date(2026, 11, 22)  # Monday of ISO week 37 to Sunday of week 47
AUTUMN_BREAK = {"name": "秋假", "start": "2026-11-02", "end": "2026-11-06"}  # all of week 45


def school_with_classes(classes: int = 4) -> dict:
    from classboard.sample import sample_school

    school = sample_school(today=date(2026, 11, 24), classes=classes, students_per_class=3)
    school["calendar"]["holidays"].append(AUTUMN_BREAK)
    school["notices"] = []
    return school


def weeks() -> list[date]:
    """The Monday of every week from START to END."""
    return [START + timedelta(weeks=i) for i in range((END - START).days // 7 + 1)]


class UsageBoard:
    """One board: its key, its class, and the log of records it has made so far."""

    def __init__(self, board_id: str, class_id: str):
        from hub.models import Board

        self.id, self.class_id, self.key = board_id, class_id, generate_keypair()
        self.log = MemoryLog(board_id, self.key)
        self.records = self.log.records
        Board.create(id=board_id, public_key=public_text(self.key), class_id=class_id, room_id=None,
                     enrolled_at=datetime(2026, 9, 1))

    def use(self, day: date, kind: str, duration_s: int = 0, at: time = time(10, 0), class_id: str | None = "",
            initiator: str = "teacher", data: dict | None = None) -> dict:
        """One record; a roll call records 42 statuses unless ``data`` says otherwise."""
        moment = datetime.combine(day, at, tzinfo=SHANGHAI)
        if data is None:
            data = {"present": 40, "absent": 2} if kind == "attendance.session" else {}
        return self.log.add(kind, format_time(moment), initiator=initiator,
                            class_id=self.class_id if class_id == "" else class_id, duration_s=duration_s,
                            data=data, record_id=uuid7(int(moment.timestamp() * 1000)))

    def upload(self) -> None:
        """Through the hub's ingest, in batches, exactly as the API stores them."""
        from hub.ingest import ingest_batch
        from hub.models import Board, UsageRecord

        held = UsageRecord.select().where(UsageRecord.board_id == self.id).count()
        pending = self.records[held:]
        for start in range(0, len(pending), 1000):
            batch = pending[start:start + 1000]
            ingest_batch(Board.get_by_id(self.id), encode_batch(batch, self.log.checkpoint(batch[-1]["seq"])),
                         1 << 24)


def term_of_use() -> dict[str, UsageBoard]:
    """Four classes with different habits; the expected report figures follow from them by hand.

    C101: an attendance session every Monday                       → every teaching week
    C102: the same, but not in week 42                            → every week but one
    C103: only single card taps and 30-second teacher visits       → never substantive for 2.1.10
    C104: a 3-minute teacher session in weeks 37–40 only           → four weeks
    """
    boards = {cid: UsageBoard(f"cb-{cid.lower()}", cid) for cid in ("C101", "C102", "C103", "C104")}
    for monday in weeks():
        iso_week = monday.isocalendar()[1]
        boards["C101"].use(monday, "attendance.session", 300)
        if iso_week != 42:
            boards["C102"].use(monday + timedelta(days=1), "attendance.session", 240, at=time(8, 5))
        for day in range(5):
            boards["C103"].use(monday + timedelta(days=day), "checkin", 0, at=time(7, 40))
        boards["C103"].use(monday + timedelta(days=2), "teacher.session", 30)
        if iso_week <= 40:
            boards["C104"].use(monday + timedelta(days=3), "teacher.session", 180, at=time(14, 0))
    boards["C101"].use(START, "sensor.summary", 3600, class_id=None)  # counted as a record, never as use
    for board in boards.values():
        board.upload()
    return boards
