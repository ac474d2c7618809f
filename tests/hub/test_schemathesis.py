"""The running hub against its own OpenAPI spec: generated requests (mostly hostile or unsigned) never get a
5xx, and every answer has a status and a body the spec allows."""
from __future__ import annotations

import threading

import pytest
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


@pytest.fixture(scope="module")
def live_hub(tmp_path_factory):
    from classboard.sample import sample_school
    from hub.app import create_app
    from hub.config import HubConfig
    from hub.models import database
    from hub.school import replace_school

    app = create_app(HubConfig(data_dir=tmp_path_factory.mktemp("hub")))
    replace_school(sample_school())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    database.close()


@schema.parametrize()
def test_hub_answers_as_its_spec_says(case, live_hub):
    case.call_and_validate(base_url=live_hub, checks=[not_a_server_error, status_code_conformance,
                                                      content_type_conformance, response_schema_conformance],
                           excluded_checks=[])
