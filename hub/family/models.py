"""What the hub keeps for families: guardians, their links to children, codes, messages, notifications.

Minimal data (PIPL): a guardian is a password hash and a relation word (妈妈, 爸爸 …) per child;
no name, phone number or ID number is asked for or kept. Codes are kept only as hashes.
"""
from __future__ import annotations

from peewee import BooleanField, CharField, DateTimeField, IntegerField, TextField

from ..models import BaseModel


class Guardian(BaseModel):
    id = CharField(primary_key=True)
    login = CharField(unique=True)  # the sign-in name the guardian chose (any nickname)
    password_hash = CharField()
    created_at = DateTimeField()
    revoked_at = DateTimeField(null=True)
    epoch = IntegerField(default=0)  # bumped on revocation or a new password: every old session ends at once


class GuardianChild(BaseModel):
    """Which child a guardian may see, and what the child calls them."""
    guardian_id = CharField(index=True)
    student_id = CharField(index=True)
    relation = CharField(default="家长")
    created_at = DateTimeField()

    class Meta:
        indexes = ((("guardian_id", "student_id"), True),)


class EnrolmentCode(BaseModel):
    """A one-time code printed on a letter: one guardian of one child, until it expires or is used."""
    code_hash = CharField(primary_key=True)
    student_id = CharField(index=True)
    relation = CharField(default="家长")
    created_at = DateTimeField()
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    used_by = CharField(null=True)
    revoked = BooleanField(default=False)


class GuardianPasskey(BaseModel):
    """A guardian's passkey (WebAuthn credential, hub/family/passkeys.py): only its public key is kept."""
    credential_id = CharField(primary_key=True)  # base64url, as the browser reports it
    guardian_id = CharField(index=True)
    public_key = TextField()  # COSE key, base64url
    sign_count = IntegerField(default=0)
    created_at = DateTimeField()
    last_used_at = DateTimeField(null=True)


class FamilyMessage(BaseModel):
    """亲情留言: a guardian's message to a child (``to_child``) or the child's reply from the board."""
    id = CharField(primary_key=True)
    direction = CharField()  # to_child | to_guardian
    student_id = CharField(index=True)
    class_id = CharField(index=True)
    guardian_id = CharField(null=True, index=True)  # the sender of a to_child message; null for a reply
    relation = CharField(default="家长")
    text = TextField(default="")
    media_sha256 = CharField(null=True)
    media_seconds = IntegerField(default=0)
    reply_to = CharField(null=True)
    board_id = CharField(null=True)  # the board a reply came from
    sent_at = DateTimeField(index=True)
    delivered_at = DateTimeField(null=True)
    read_at = DateTimeField(null=True)


class FamilyNotification(BaseModel):
    """What the guardian page shows at the top: the child marked absent, a reply arrived."""
    guardian_id = CharField(index=True)
    student_id = CharField()
    kind = CharField()  # absent | leave | reply | read
    text = TextField()
    at = DateTimeField()
    source = CharField(unique=True)  # what caused it (record id, message id): one notification per cause
    seen = BooleanField(default=False)


class WebhookDelivery(BaseModel):
    """A call to the school's own messaging gateway, retried with backoff until it answers 2xx."""
    event = CharField()
    payload = TextField()
    created_at = DateTimeField()
    attempts = IntegerField(default=0)
    next_at = DateTimeField(index=True)
    done_at = DateTimeField(null=True)
    last_error = TextField(default="")


# The family's own tables, created by hub/db.py open_database through its FEATURE_TABLES list
MODELS = [Guardian, GuardianChild, EnrolmentCode, GuardianPasskey, FamilyMessage, FamilyNotification, WebhookDelivery]


def create_indexes(db) -> None:
    """The family page reads one class's records of one week: an index on (class_id, at) keeps that a range
    read on a district's millions of records (the single-column indexes made SQLite walk a kind or a day)."""
    db.execute_sql('CREATE INDEX IF NOT EXISTS "usagerecord_class_id_at" ON "usagerecord" ("class_id", "at")')
