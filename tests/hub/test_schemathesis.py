"""The running hub against its own OpenAPI spec, every request signed as an enrolled board (an auth provider
and a signing transport), so the bodies of the board endpoints reach their logic instead of stopping at 401:
never a 5xx, every answer as the spec allows, and never a partial write (the board's log on the hub verifies
after every request)."""
from __future__ import annotations

import threading
from urllib.parse import unquote, urlsplit

import pytest
import requests
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, \
    status_code_conformance
from werkzeug.serving import make_server

from protocol import spec_path

pytestmark = pytest.mark.integration


@schemathesis.serializer("application/gzip")
def gzip_json(ctx, value) -> bytes:
    """Record batches are gzip-compressed JSON: send generated bodies the way boards do."""
    import gzip
    import json
    raw = value if isinstance(value, bytes) else json.dumps(value, default=str).encode()
    return gzip.compress(raw)


schema = schemathesis.openapi.from_path(spec_path("openapi.yaml"))
schema.config.generation.update(max_examples=15)
ENROLLED: dict = {}  # the board every request is signed as, enrolled by the live_hub fixture


@schema.auth()
class AsEnrolledBoard:
    """Every request speaks for the enrolled board: its id in the path, its signature on the exact bytes sent
    (the signature itself is made by SigningSession, once the body is serialized)."""

    def get(self, case, ctx):
        return ENROLLED.get("id")

    def set(self, case, board_id, ctx):
        if board_id is None:
            return
        if "board_id" in (case.path_parameters or {}):
            case.path_parameters["board_id"] = board_id
        case.headers = dict(case.headers or {}) | {"X-Classboard-Board": board_id}


class SigningSession(requests.Session):
    """Signs a request marked by AsEnrolledBoard over its final method, path and body, as a board does."""

    def send(self, prepared, **kwargs):
        from protocol.auth import sign_request

        if prepared.headers.get("X-Classboard-Board") == ENROLLED.get("id"):
            body = prepared.body or b""
            body = body.encode() if isinstance(body, str) else body
            path = unquote(urlsplit(prepared.url).path)
            prepared.headers.update(sign_request(ENROLLED["key"], ENROLLED["id"], prepared.method, path, body))
        return super().send(prepared, **kwargs)


@pytest.fixture(scope="module")
def live_hub(tmp_path_factory):
    from classboard.sample import sample_school
    from hub.app import create_app
    from hub.config import HubConfig
    from hub.models import database
    from hub.school import replace_school

    from hub.enrollment import create_token
    from protocol.keys import generate_keypair, public_text

    app = create_app(HubConfig(data_dir=tmp_path_factory.mktemp("hub")))
    replace_school(sample_school())
    key = generate_keypair()
    answer = app.test_client().post("/api/v1/enroll", json={
        "board_id": "cb-fuzz00000001", "public_key": public_text(key), "enrollment_token": create_token(),
        "room": "R101"}).get_json()
    assert answer["status"] == "enrolled"
    ENROLLED.update(id="cb-fuzz00000001", key=key)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    database.close()


SEEN: dict[str, set[int]] = {}


@schema.parametrize()
def test_hub_answers_as_its_spec_says_to_an_enrolled_board(case, live_hub):
    from hub.models import Board, UsageRecord
    from tests.reliability.harness import hub_checkpoints, log_problems

    with SigningSession() as session:
        response = case.call_and_validate(base_url=live_hub, session=session, checks=[
            not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
            excluded_checks=[])
    SEEN.setdefault(case.operation.path, set()).add(response.status_code)
    board = ENROLLED["id"]
    held = list(UsageRecord.select().where(UsageRecord.board_id == board).order_by(UsageRecord.seq))
    assert Board.get_by_id(board).last_seq == len(held)  # a batch is stored whole or not at all
    if held:
        from hub.report.source import wire_records
        assert log_problems(list(wire_records(board)), ENROLLED["key"].public_key(), hub_checkpoints(board)) == []


def test_signed_requests_got_past_authentication():
    """The fuzzing above reached the board endpoints' logic: some signed request to each was not refused 401."""
    board_paths = [p for p in SEEN if p.startswith("/api/v1/boards/")]
    assert board_paths and all(SEEN[p] - {401} for p in board_paths), SEEN
