"""What the hub keeps: the school's content, the boards, and every record they sent.

The school's content (calendar, bell schedules, rooms, classes, people,
timetable) is kept in the bundle's own shape, as imported; notices are
authored on the hub and kept as rows. Usage records are stored once per id and
never edited: they are the evidence.
"""
from __future__ import annotations

from peewee import (BooleanField, CharField, DatabaseProxy, DateTimeField, IntegerField, Model, TextField,
                    BigIntegerField)

database = DatabaseProxy()


class BaseModel(Model):
    class Meta:
        database = database

    @classmethod
    def upsert(cls, **row):
        """Insert, or overwrite the row with the same primary key: one statement on SQLite and PostgreSQL alike."""
        pk = cls._meta.primary_key
        rest = [cls._meta.fields[name] for name in row if name != pk.name]
        return cls.insert(**row).on_conflict(conflict_target=[pk], preserve=rest).execute()


class School(BaseModel):
    """A school of the district this hub serves; a single-school hub has none (hub/tenancy.py: DEFAULT)."""

    id = CharField(primary_key=True)  # the content's school id: it names the school's MQTT topics
    name = CharField()
    district = CharField(default="")
    created_at = DateTimeField()


def school_column() -> CharField:
    """The tenant dimension: which school a row belongs to ("" is the implicit school of a one-school hub)."""
    return CharField(default="", index=True)


class SchoolData(BaseModel):
    """Named JSON documents: ``school`` (the content in bundle shape), ``settings``."""

    key = CharField(primary_key=True)
    value = TextField()
    version = IntegerField(default=1)


class Notice(BaseModel):
    id = CharField(primary_key=True)
    title = CharField()
    school = school_column()
    body = TextField(default="")
    format = CharField(default="text")
    priority = IntegerField(default=0)
    audience_scope = CharField(default="school")
    audience_value = CharField(null=True)
    starts_at = DateTimeField()
    ends_at = DateTimeField(null=True)
    emergency = BooleanField(default=False)
    author = CharField(default="")
    updated_at = DateTimeField()


class Board(BaseModel):
    id = CharField(primary_key=True)
    public_key = CharField()
    school = school_column()
    name = CharField(default="")
    room_id = CharField(null=True)
    class_id = CharField(null=True)
    group = CharField(default="default")
    state = CharField(default="enrolled")  # enrolled | revoked
    enrolled_at = DateTimeField()
    last_seen = DateTimeField(null=True)
    last_sync = DateTimeField(null=True)
    version = CharField(default="")
    outbox_depth = IntegerField(default=0)
    health = TextField(default="{}")
    bundle_etag = CharField(null=True)
    last_seq = BigIntegerField(default=0)  # the size of the board's log the hub holds
    last_hash = CharField(default="0" * 64)  # its root (hex); "0"*64 while empty
    log_frontier = TextField(default="0")  # protocol.merkle.Frontier of those records: grows with each batch


class Claim(BaseModel):
    """IT staff typed a board's claim code; the board picks this up when it enrolls."""

    code = CharField(primary_key=True)
    room_id = CharField()
    school = school_column()
    class_id = CharField(null=True)
    name = CharField(default="")
    created_at = DateTimeField()
    used_by = CharField(null=True)


class EnrollmentToken(BaseModel):
    token = CharField(primary_key=True)
    created_at = DateTimeField()
    school = school_column()
    revoked = BooleanField(default=False)


class UsageRecord(BaseModel):
    """One record of a board's log (protocol 2): ``hash`` is its RFC 9162 leaf hash at index ``seq - 1``."""
    id = CharField(primary_key=True)
    board_id = CharField(index=True)
    seq = BigIntegerField()
    kind = CharField(index=True)
    at = DateTimeField(index=True)
    class_id = CharField(null=True, index=True)
    initiator = CharField()
    duration_s = IntegerField()
    data = TextField()
    hash = CharField()
    received_at = DateTimeField(index=True)  # the report's incremental update reads "since the last one"

    class Meta:
        indexes = ((("board_id", "seq"), True),)


class BoardCheckpoint(BaseModel):
    """Every distinct checkpoint a board signed and the hub accepted, as signed; what the evidence carries.

    ``witnessed_at`` is set once the witness took it (hub/witness/forward.py).
    """
    board_id = CharField(index=True)
    size = BigIntegerField()
    root = CharField()  # hex
    signed_at = CharField(default="")  # the checkpoint's own time line
    text = TextField()
    received_at = DateTimeField()
    witnessed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("board_id", "size"), False),)


class BundleRejection(BaseModel):
    board_id = CharField(index=True)
    etag = CharField()
    reason = TextField()
    path = CharField(default="")
    at = DateTimeField()


class ConsoleUser(BaseModel):
    username = CharField(primary_key=True)
    password_hash = CharField()
    school = school_column()
    role = CharField(default="viewer")  # admin | teacher | viewer | district_admin | district_reviewer
    api_token_hash = CharField(null=True)


class CommandLog(BaseModel):
    at = DateTimeField()
    user = CharField()
    target = CharField()
    command = CharField()
    args = TextField(default="{}")


class AccessLog(BaseModel):
    """Who signed in, failed to, enrolled or revoked what, from where: kept as long as the usage records.

    The indicator system (4.2) asks for logs kept at least 180 days; hub/access_log.py writes these rows.
    """
    at = DateTimeField(index=True)
    event = CharField()  # login | login.failed | logout | enroll | enroll.failed | revoke | ...
    actor = CharField(default="")  # console user name, board id or guardian
    address = CharField(default="")
    ok = BooleanField(default=True)
    detail = TextField(default="")


class Throttle(BaseModel):
    """Failed guesses per account or per source address (``login.account:zhang``, ``login.address:10.0.0.9``).

    In the database, not in memory: a district runs several hub processes and
    a guesser must not get a fresh budget from each (see hub/security/throttle.py).
    """
    key = CharField(primary_key=True)
    failures = IntegerField(default=0)
    last_failure = DateTimeField(index=True)
    next_allowed = DateTimeField(null=True)


class BrokerCredential(BaseModel):
    """A board's MQTT user (issued at enrollment): only the salted hash is kept, in Mosquitto's own format."""
    board_id = CharField(primary_key=True)
    username = CharField(unique=True)
    password_hash = CharField()
    issued_at = DateTimeField()


class ReportCount(BaseModel):
    """Qualifying-record counts per (clause, unit, week): what the report is built from.

    ``clause`` names a rule clause (hub/report/rules.py: clause_key) and ``unit``
    a class, teacher or subject (``class:C101``); ``kind:K``/``initiator:I`` and
    ``broadcast`` rows count every record by who started it. Kept up to date
    incrementally from newly received records (hub/report/tally.py).
    """
    school = CharField(default="")
    clause = CharField()
    unit = CharField()
    week = IntegerField()  # weeks since Monday 1970-01-05, in the school's zone
    n = BigIntegerField(default=0)

    class Meta:
        primary_key = False
        indexes = ((("school", "clause", "unit", "week"), True), (("school", "unit", "week"), False))


class ReportSlot(BaseModel):
    """The timetable as time windows, so the report's SQL finds a record's subject and teacher."""
    school = CharField(default="")
    class_id = CharField()
    weekday = IntegerField()
    start_min = IntegerField()
    end_min = IntegerField()
    first_week = IntegerField()
    last_week = IntegerField()
    parity = CharField(default="all")
    subject = CharField()
    teacher_id = CharField(null=True)

    class Meta:
        primary_key = False
        indexes = ((("school", "class_id", "weekday"), False),)


class BoardHour(BaseModel):
    """A board was heard from (health report) during this hour: the kept health history.

    One row per board and hour, not per report, so 400 days of a school's boards
    stay small; the latest full health (with hardware facts) stays on ``Board``.
    """
    board_id = CharField()
    hour = BigIntegerField()  # hours since 1970-01-01 UTC
    reports = IntegerField(default=1)

    class Meta:
        primary_key = False
        indexes = ((("board_id", "hour"), True), (("hour",), False))


class Release(BaseModel):
    """A software version the hub can offer: a wheelhouse archive kept in the data directory."""
    version = CharField(primary_key=True)
    sha256 = CharField()
    size = BigIntegerField()
    filename = CharField()
    created_at = DateTimeField()


class GroupOffer(BaseModel):
    """Which version the boards of a group should run ("*": every board without its own group's offer)."""
    group = CharField(primary_key=True)
    version = CharField()


ALL_MODELS = [School, SchoolData, Notice, Board, Claim, EnrollmentToken, UsageRecord, BundleRejection, ConsoleUser,
              CommandLog, AccessLog, ReportCount, ReportSlot, BoardHour, Release, GroupOffer, BoardCheckpoint,
              Throttle, BrokerCredential]
