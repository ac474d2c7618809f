"""The board's local store: what it needs to keep working for weeks offline.

Times are stored as naive UTC (peewee's DateTimeField); services convert to the
school's zone only when showing them. Dates of the school calendar (a lesson's
weekday, a holiday) are local dates and stored as such.
"""
from __future__ import annotations

from peewee import (
    BlobField,
    BooleanField,
    CharField,
    DatabaseProxy,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

database = DatabaseProxy()


class BaseModel(Model):
    class Meta:
        database = database


class School(BaseModel):
    id = CharField(primary_key=True)
    name = CharField()
    timezone = CharField(default="Asia/Shanghai")
    language = CharField(default="zh-CN")


class Room(BaseModel):
    id = CharField(primary_key=True)
    name = CharField()
    building = CharField(default="")
    floor = IntegerField(null=True)


class Teacher(BaseModel):
    id = CharField(primary_key=True)
    name = CharField()
    card_hash = CharField(null=True, index=True)
    pin_hash = CharField(null=True)


class BellSchedule(BaseModel):
    """作息时间: one day's periods; a school may have several (e.g. 初中/高中)."""

    id = CharField(primary_key=True)
    name = CharField()


class Period(BaseModel):
    schedule = ForeignKeyField(BellSchedule, backref="periods", on_delete="CASCADE")
    index = IntegerField()
    name = CharField()
    start = CharField()  # "HH:MM" local time
    end = CharField()
    kind = CharField(default="lesson")  # lesson | break | exercise | meal | selfstudy

    class Meta:
        indexes = ((("schedule", "index"), True),)


class ClassGroup(BaseModel):
    """班级 (``class`` is a Python keyword, hence the name)."""

    id = CharField(primary_key=True)
    name = CharField()
    grade = CharField(default="")
    home_room = ForeignKeyField(Room, null=True, on_delete="SET NULL")
    head_teacher = ForeignKeyField(Teacher, null=True, on_delete="SET NULL")
    bell_schedule = ForeignKeyField(BellSchedule, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "class_group"


class Student(BaseModel):
    id = CharField(primary_key=True)
    name = CharField()
    class_group = ForeignKeyField(ClassGroup, backref="students", on_delete="CASCADE")
    marker_id = IntegerField(null=True, index=True)
    card_hash = CharField(null=True, index=True)
    face_consent = BooleanField(default=False)


class Term(BaseModel):
    id = CharField(primary_key=True)
    name = CharField()
    start = DateField()
    end = DateField()


class Holiday(BaseModel):
    name = CharField()
    start = DateField()
    end = DateField()


class Workday(BaseModel):
    """调休: a weekend day that is a school day and follows another weekday's timetable."""

    date = DateField(unique=True)
    follows_weekday = IntegerField()  # 1 = Monday … 7 = Sunday


class Lesson(BaseModel):
    id = CharField(primary_key=True)
    class_group = ForeignKeyField(ClassGroup, backref="lessons", on_delete="CASCADE")
    weekday = IntegerField()  # 1 = Monday … 7 = Sunday
    period = IntegerField()
    subject = CharField()
    teacher = ForeignKeyField(Teacher, null=True, on_delete="SET NULL")
    room = ForeignKeyField(Room, null=True, on_delete="SET NULL")  # differs from home room for 走班
    weeks = CharField(default="all")  # all | odd | even (单双周)
    term = ForeignKeyField(Term, null=True, on_delete="SET NULL")


class LessonOverride(BaseModel):
    """调课/停课 on one date: cancel a period, replace its lesson, or add one."""

    id = CharField(primary_key=True)
    date = DateField(index=True)
    class_group = ForeignKeyField(ClassGroup, on_delete="CASCADE")
    period = IntegerField()
    action = CharField()  # cancel | replace | add
    subject = CharField(null=True)
    teacher = ForeignKeyField(Teacher, null=True, on_delete="SET NULL")
    room = ForeignKeyField(Room, null=True, on_delete="SET NULL")


class Notice(BaseModel):
    id = CharField(primary_key=True)
    title = CharField()
    body = TextField(default="")
    format = CharField(default="text")  # text | markdown | html
    priority = IntegerField(default=0)
    audience_scope = CharField(default="school")  # school | grade | class | board
    audience_value = CharField(null=True)
    starts_at = DateTimeField()
    ends_at = DateTimeField(null=True)
    emergency = BooleanField(default=False)


class Exam(BaseModel):
    """考场: while it runs, the board in its room shows exam mode."""

    id = CharField(primary_key=True)
    room = ForeignKeyField(Room, on_delete="CASCADE")
    name = CharField()
    starts_at = DateTimeField()
    ends_at = DateTimeField()
    seats = TextField(default="[]")  # JSON list of {candidate_no, name, seat}
    rules = TextField(default="")


class Setting(BaseModel):
    """Small key/value state: bundle etag, hub-sent settings, the intended screen state."""

    key = CharField(primary_key=True)
    value = TextField()


class UsageRecord(BaseModel):
    """One substantive activity: leaf ``seq - 1`` of the board's Merkle log (protocol 2).

    It is the evidence the hub's normal-use report is computed from, so it is
    written together with its outbox row and never edited afterwards. ``hash``
    is its RFC 9162 leaf hash, kept so that checkpoints need no re-encoding.
    """

    id = CharField(primary_key=True)  # UUIDv7
    seq = IntegerField(unique=True)
    kind = CharField(index=True)
    at = DateTimeField(index=True)
    class_id = CharField(null=True)
    initiator = CharField()
    duration_s = IntegerField(default=0)
    data = TextField(default="{}")
    hash = CharField()


class Outbox(BaseModel):
    """Records not yet acknowledged by the hub; oldest (lowest seq) go first."""

    record = ForeignKeyField(UsageRecord, unique=True, on_delete="CASCADE")
    seq = IntegerField(index=True)
    attempts = IntegerField(default=0)


class LogCheckpoint(BaseModel):
    """A checkpoint the board signed over its log: the size, the frontier to grow from, the signed text.

    Kept for every size the board signed (for one size, the newest), so the
    checkpoint of any upload batch is computed from the nearest earlier one,
    never from the first record, and so the hub receives every daily one the
    board signed while offline: together they bound when each record entered
    the log (protocol/timebounds.py).
    """

    size = IntegerField(primary_key=True)
    frontier = TextField()  # protocol.merkle.Frontier.to_text()
    text = TextField()
    signed_at = DateTimeField()
    sent_at = DateTimeField(null=True)  # when the hub took it (with a batch, or alone); None: still to send


class AttendanceSession(BaseModel):
    id = CharField(primary_key=True)
    # Plain ids, not foreign keys: attendance is history and must outlive roster changes.
    class_id = CharField(index=True)
    kind = CharField(default="lesson")  # lesson (teacher's roll call) | arrival (door check-ins)
    method = CharField(default="grid")  # grid | photo | card
    teacher_id = CharField(null=True)
    period = IntegerField(null=True)
    started_at = DateTimeField()
    saved_at = DateTimeField(null=True)


class CheckIn(BaseModel):
    id = CharField(primary_key=True)
    session = ForeignKeyField(AttendanceSession, null=True, backref="checkins", on_delete="CASCADE")
    student_id = CharField(index=True)
    at = DateTimeField(index=True)
    status = CharField(default="present")  # present | late | absent | leave (请假)
    method = CharField(default="card")  # card | marker | qr | face | grid


class SensorReading(BaseModel):
    """Sensor history: the first thing dropped when the disk fills."""

    at = DateTimeField(index=True)
    sensor = CharField()
    quantity = CharField()
    value = FloatField()
    status = CharField(default="ok")
    span_s = IntegerField(default=0)  # 0: one reading; 3600: an hourly mean (history older than 48 h)


class FaceTemplate(BaseModel):
    """A consenting student's face feature, encrypted with a key only this board has; never uploaded.

    Not a foreign key to Student: a bundle install replaces the roster, and a
    template must go only when consent is withdrawn or the student leaves.
    """

    student_id = CharField(primary_key=True)
    class_id = CharField(index=True)
    sealed = BlobField()  # AES-GCM nonce + ciphertext of the feature, bound to student_id
    enrolled_at = DateTimeField()


ALL_MODELS = [
    School, Room, Teacher, BellSchedule, Period, ClassGroup, Student, Term, Holiday,
    Workday, Lesson, LessonOverride, Notice, Exam, Setting, UsageRecord, Outbox, LogCheckpoint,
    AttendanceSession, CheckIn, SensorReading, FaceTemplate,
]
