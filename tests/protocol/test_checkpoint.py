"""Checkpoints in the C2SP tlog-checkpoint / signed-note format."""
import base64
import hashlib
from datetime import datetime, timezone

import pytest

from protocol.checkpoint import (CheckpointError, key_id, origin_for, parse_checkpoint, sign_checkpoint,
                                 verifier_key, verify_checkpoint)
from protocol.keys import generate_keypair, public_raw

KEY = generate_keypair()
ROOT = hashlib.sha256(b"root").digest()
AT = datetime(2026, 12, 1, 21, 5, 26, tzinfo=timezone.utc)


def test_the_text_is_a_c2sp_checkpoint_in_a_signed_note():
    text = sign_checkpoint(KEY, "cb-0123456789ab", 42, ROOT, AT)
    body, signature = text.split("\n\n")
    assert body.split("\n") == ["classboard/board/cb-0123456789ab", "42", base64.b64encode(ROOT).decode(),
                                "time 2026-12-01T21:05:26.000Z"]
    assert signature.startswith("\u2014 classboard/board/cb-0123456789ab ") and signature.endswith("\n")
    raw = base64.b64decode(signature.split(" ")[2])
    # key ID = SHA-256(name || 0x0A || 0x01 || public key)[:4], then the Ed25519 signature over the note text
    name = b"classboard/board/cb-0123456789ab"
    assert raw[:4] == hashlib.sha256(name + b"\n\x01" + public_raw(KEY)).digest()[:4] == key_id(name.decode(), KEY)
    KEY.public_key().verify(raw[4:], (body + "\n").encode())
    assert verifier_key(name.decode(), KEY).startswith(f"{name.decode()}+{raw[:4].hex()}+")


def test_verify_returns_the_fields():
    point = verify_checkpoint(sign_checkpoint(KEY, "cb-1", 7, ROOT, AT), KEY.public_key(), "cb-1")
    assert (point.board_id, point.size, point.root, point.time) == ("cb-1", 7, ROOT, "2026-12-01T21:05:26.000Z")


def test_another_key_another_board_or_an_edited_text_is_refused():
    text = sign_checkpoint(KEY, "cb-1", 7, ROOT, AT)
    with pytest.raises(CheckpointError, match="no signature"):
        verify_checkpoint(text, generate_keypair().public_key(), "cb-1")
    with pytest.raises(CheckpointError, match="not 'cb-2'"):
        verify_checkpoint(text, KEY.public_key(), "cb-2")
    with pytest.raises(CheckpointError, match="does not verify"):
        verify_checkpoint(text.replace("\n7\n", "\n8\n"), KEY.public_key(), "cb-1")
    # a checkpoint re-labelled as another board's log: the key ID covers the name, so it is not the board's signature
    relabelled = text.replace("classboard/board/cb-1", "classboard/board/cb-2")
    with pytest.raises(CheckpointError):
        verify_checkpoint(relabelled, KEY.public_key(), "cb-2")


@pytest.mark.parametrize("text,reason", [
    ("", "blank line"), ("x\n\n— a b\n", "origin"), ("classboard/board/b\n01\nAA==\n\n— a QUFBQUE=\n", "size"),
    ("classboard/board/b\n1\nAA==\n\n— a QUFBQUE=\n", "32 bytes"),
    ("classboard/board/b\n1\n" + base64.b64encode(ROOT).decode() + "\n\n— a !!\n", "base64"),
    ("classboard/board/b\n1\n" + base64.b64encode(ROOT).decode() + "\n\nnot a signature\n", "signature line"),
    ("classboard/board/b\x07\n1\n", "control"), ("a" * 5000, "at most"),
])
def test_malformed_checkpoints_are_named(text, reason):
    with pytest.raises(CheckpointError, match=reason):
        parse_checkpoint(text)


def test_board_ids_that_cannot_name_a_log_are_refused():
    with pytest.raises(CheckpointError):
        origin_for("two words")
