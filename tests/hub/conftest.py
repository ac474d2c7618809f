import pytest

from protocol.keys import generate_keypair, public_text


@pytest.fixture(scope="session")
def pg_server():
    from tests.pgserver import PostgresServer

    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def hub_app(request, tmp_path, school):
    """The hub on each database it supports: SQLite by default, PostgreSQL for a district."""
    from hub.app import create_app
    from hub.config import HubConfig
    from hub.school import replace_school

    db_url = ""
    if request.param == "postgresql":
        db_url = request.getfixturevalue("pg_server").fresh_database(f"hub_{abs(hash(request.node.nodeid))}")
    app = create_app(HubConfig(data_dir=tmp_path / "hub", db_url=db_url))
    replace_school(school)
    app.config["TESTING"] = True
    yield app
    from hub.models import database
    database.close()


@pytest.fixture
def client(hub_app):
    return hub_app.test_client()


class FakeBoard:
    """A board's identity and signed requests, without the board runtime."""

    def __init__(self, client, board_id="cb-test0001"):
        self.client, self.id, self.key = client, board_id, generate_keypair()

    def enroll(self, **extra):
        body = {"board_id": self.id, "public_key": public_text(self.key)} | extra
        return self.client.post("/api/v1/enroll", json=body)

    def call(self, method, path, body=b"", headers=None):
        from protocol.auth import sign_request
        all_headers = dict(headers or {}) | sign_request(self.key, self.id, method, path, body)
        return self.client.open(path, method=method, data=body, headers=all_headers)


@pytest.fixture
def token(hub_app):
    from hub.enrollment import create_token
    with hub_app.app_context():
        return create_token()


@pytest.fixture
def enrolled(client, token):
    board = FakeBoard(client)
    assert board.enroll(enrollment_token=token, room="R101").get_json()["status"] == "enrolled"
    return board


def hub_args(app) -> list[str]:
    """The CLI options that open the same hub (data dir and database) as ``app``."""
    config = app.config["HUB"]
    return ["--data", str(config.data_dir), "--db-url", config.db_url]


class WitnessProcess:
    """``classboard witness serve`` as a real process on 127.0.0.1."""

    def __init__(self, data_dir, port: int) -> None:
        import subprocess
        import sys
        import time
        import urllib.request

        self.data, self.url = data_dir, f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "classboard", "witness", "serve", "--data", str(data_dir),
                                      "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(self.url + "/v1/export", timeout=2).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("the witness did not start")
                time.sleep(0.1)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(15)


@pytest.fixture
def witness(tmp_path):
    from tests.conftest import free_port

    process = WitnessProcess(tmp_path / "witness", free_port())
    yield process
    process.stop()
