"""The board-facing JSON API (protocol/openapi.yaml): enroll, bundle, records, health."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

from flask import Blueprint, Response, current_app, g, jsonify, request

from protocol.auth import AuthError, verify_request
from protocol.keys import load_public
from protocol.records import RecordError

from . import health_history
from .access_log import log_access
from .enrollment import EnrollmentError, enroll, claim_board, console_user_for_token
from .ingest import ChainGap, LogConflict, ingest_batch, ingest_checkpoint
from .models import Board, BundleRejection
from .security import throttle
from .tenancy import acting_for, serve_school
from .witness.forward import forward_checkpoint_later

api = Blueprint("api", __name__, url_prefix="/api/v1")


def problem(status: int, title: str, detail: str = "") -> Response:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def board_request(board_id: str) -> Board | Response:
    """Authenticate a signed board request for ``board_id``; a Response means refusal."""
    def key_for(bid: str):
        row = Board.get_or_none(Board.id == bid)
        return load_public(row.public_key) if row else None

    try:
        signer = verify_request(request.headers, request.method, request.path, request.get_data(), key_for)
    except AuthError as exc:
        return problem(401, "not authenticated", str(exc))
    if signer != board_id:
        return problem(403, "forbidden", "a board may only use its own endpoints")
    board = Board.get_by_id(board_id)
    serve_school(board.school)  # everything this request reads is the board's own school's
    if board.state == "revoked":
        return problem(403, "board revoked", "this board was revoked on the hub; re-enroll it")
    now = _now()
    if board.last_seen is None or (now - board.last_seen).total_seconds() > 60:
        # at most one write a minute per board: a 304 bundle check must not queue behind uploads for a lock
        Board.update(last_seen=now).where(Board.id == board_id).execute()
    return board


@api.get("/time")
def hub_time():
    return jsonify(now_ms=int(time.time() * 1000))


@api.post("/enroll")
def enroll_board():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, "bad request", "body must be a JSON object")
    address, actor = request.remote_addr or "", str(body.get("board_id", ""))[:100]
    keys = throttle.keys_for_enrollment(body, address)
    try:
        throttle.charge(keys)
    except throttle.Throttled as exc:
        log_access("enroll.throttled", actor=actor, address=address, ok=False, detail=str(exc))
        return too_many(exc)
    try:
        answer = enroll(body, current_app.config["HUB"])
    except EnrollmentError as exc:
        log_access("enroll.failed", actor=actor, address=address, ok=False, detail=str(exc))
        return problem(exc.status, "enrollment refused", str(exc))
    if answer.get("status") == "enrolled":
        throttle.cleared(None, [key for key, _ in keys])
        log_access("enroll", actor=answer["board_id"], address=address)
        forward_checkpoint_later(answer["board_id"])  # the witness learns the board's key at enrollment
        broker = current_app.config["BROKER"]
        answer["mqtt"] = broker.board_login(answer["board_id"], answer.get("mqtt"))
        broker.boards_changed()
    else:
        log_access("enroll.pending", actor=actor, address=address, ok=False)
    return jsonify(answer)


def too_many(exc: throttle.Throttled) -> Response:
    response = problem(429, "too many attempts", f"try again in {exc.retry_after} s")
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


@api.post("/claims")
def claim():
    address = request.remote_addr or ""
    keys = [(f"api.token.address:{address}", throttle.TOKEN_ADDRESS)]
    try:
        throttle.charge(keys)
    except throttle.Throttled as exc:
        log_access("api.throttled", address=address, ok=False, detail=str(exc))
        return too_many(exc)
    user = console_user_for_token(request.headers.get("Authorization", ""))
    if user is None or user.role not in ("admin", "district_admin"):
        log_access("api.failed", address=address, ok=False, detail="POST /api/v1/claims")
        return problem(401, "not authenticated", "an admin's API token is needed (Authorization: Bearer …)")
    throttle.cleared(None, [keys[0][0]])
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, "bad request", "body must be a JSON object")
    from .district.access import user_school_for_api

    school = user_school_for_api(user, body.get("school"))
    if school is None:
        return problem(403, "forbidden", "this token may not claim boards for that school")
    try:
        with acting_for(school):
            claim_board(body.get("claim_code", ""), body.get("room_id", ""), body.get("class_id"),
                        body.get("name", ""))
    except EnrollmentError as exc:
        return problem(exc.status, "claim refused", str(exc))
    log_access("claim", actor=user.username, address=address, detail=str(body.get("claim_code", ""))[:20])
    return jsonify(status="claimed"), 201


@api.get("/boards/<board_id>/bundle")
def bundle(board_id: str):
    board = board_request(board_id)
    if isinstance(board, Response):
        return board
    envelope = current_app.config["BUNDLES"].envelope(board)
    etag = envelope["etag"]
    if request.headers.get("If-None-Match", "").strip('"') == etag:
        return Response(status=304, headers={"ETag": f'"{etag}"'})
    Board.update(bundle_etag=etag).where(Board.id == board_id).execute()
    body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
    return Response(body, mimetype="application/json", headers={"ETag": f'"{etag}"'})


@api.post("/boards/<board_id>/records")
def records(board_id: str):
    limit = current_app.config["HUB"].max_batch_bytes
    if (request.content_length or 0) > limit:
        return problem(413, "batch too large", f"the limit is {limit} bytes")
    board = board_request(board_id)
    if isinstance(board, Response):
        return board
    result, refused = _into_log(board, "batch", lambda: ingest_batch(board, request.get_data(), limit))
    if refused is not None:
        return refused
    body = result.as_json()
    if "return=minimal" in request.headers.get("Prefer", ""):
        # the acked records are exactly the batch's records up to last_seq that are not rejected: a board that
        # says so need not be sent their ids back (a third of the bytes of a drain)
        body["acked_count"] = len(body.pop("acked"))
    return jsonify(body)


@api.post("/boards/<board_id>/checkpoints")
def checkpoints(board_id: str):
    """A board's checkpoint without records (its daily one): kept and witnessed if it agrees with the log."""
    board = board_request(board_id)
    if isinstance(board, Response):
        return board
    if (request.content_length or 0) > 4096:
        return problem(413, "checkpoint too large", "a checkpoint is at most 4096 bytes")
    point, refused = _into_log(board, "checkpoint",
                               lambda: ingest_checkpoint(board, request.get_data().decode("utf-8", "replace")))
    if refused is not None:
        return refused
    return jsonify({"size": point.size, "root": point.root.hex()})


def _into_log(board: Board, what: str, store):
    """Run one step of ingest into the board's log: its refusals as problems; what it kept goes on to the witness."""
    try:
        result = store()
    except RecordError as exc:
        return None, problem(400, f"malformed {what}", str(exc))
    except ChainGap as exc:
        return None, problem(409, "log gap", str(exc))
    except LogConflict as exc:
        return None, problem(409, "log conflict", str(exc))
    forward_checkpoint_later(board.id)
    return result, None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@api.post("/boards/<board_id>/health")
def health(board_id: str):
    board = board_request(board_id)
    if isinstance(board, Response):
        return board
    body = request.get_json(silent=True)
    depth = body.get("outbox_depth", 0) if isinstance(body, dict) else None
    # a depth past a 64-bit column or a lone surrogate in a string would fail in the database: 400, not 500
    if not isinstance(depth, int) or isinstance(depth, bool) or not 0 <= depth < 2 ** 31 \
            or not _encodable(json.dumps(body, ensure_ascii=False)):
        return problem(400, "bad request", "health must be a JSON object (schemas/health.schema.json)")
    text = json.dumps(body, ensure_ascii=False)[:20000]
    Board.update(health=text, version=str(body.get("version", ""))[:40],
                 outbox_depth=int(body.get("outbox_depth", 0))).where(Board.id == board_id).execute()
    health_history.note(board_id)
    return Response(status=204)


@api.post("/boards/<board_id>/bundle-rejections")
def bundle_rejection(board_id: str):
    board = board_request(board_id)
    if isinstance(board, Response):
        return board
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("reason"), str):
        return problem(400, "bad request", "need etag and reason")
    BundleRejection.create(board_id=board_id, etag=str(body.get("etag", ""))[:100], reason=body["reason"][:2000],
                           path=str(body.get("path", ""))[:300], at=_now())
    return Response(status=204)


@api.get("/boards/<board_id>/update")
def update_offer(board_id: str):
    """The signed manifest of the version this board's group should run; 204 when it runs it already."""
    from .releases.store import offer_for, signed_manifest

    board = board_request(board_id)
    if isinstance(board, Response):
        return board
    release = offer_for(board)
    if release is None:
        return Response(status=204)
    return jsonify(signed_manifest(release, board_id, current_app.config["HUB_KEY"]))


@api.get("/boards/<board_id>/releases/<version>")
def release_archive(board_id: str, version: str):
    from flask import send_file

    from .models import Release
    from .releases.store import releases_dir

    board = board_request(board_id)
    if isinstance(board, Response):
        return board
    release = Release.get_or_none(Release.version == version)
    if release is None:
        return problem(404, "no such release", f"the hub has no release {version!r}")
    return send_file(releases_dir(current_app.config["HUB"].data_dir) / release.filename,
                     mimetype="application/gzip", conditional=True)


@api.get("/boards/<board_id>/media/<sha256>")
def media_file(board_id: str, sha256: str):
    """A broadcast's sound file, by the hash the broadcast named; the board checks it again."""
    import re

    from flask import send_file

    from .broadcast.announce import media_dir

    board = board_request(board_id)
    if isinstance(board, Response):
        return board
    path = media_dir(current_app.config["HUB"].data_dir) / sha256
    if not re.fullmatch(r"[0-9a-f]{64}", sha256) or not path.is_file():
        return problem(404, "no such media", f"the hub has no sound file {sha256[:16]}")
    return send_file(path, mimetype="application/octet-stream", conditional=True)


@api.errorhandler(404)
def not_found(_exc):
    return problem(404, "not found")


@api.errorhandler(405)
def not_allowed(_exc):
    return problem(405, "method not allowed")
