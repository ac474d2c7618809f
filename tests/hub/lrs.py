"""A stand-in Learning Record Store on 127.0.0.1 that checks what xAPI 1.0.3 requires of a statement sender."""
from __future__ import annotations

import re
import threading
import uuid
from datetime import datetime

from flask import Flask, jsonify, request
from werkzeug.serving import make_server

IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
DURATION = re.compile(r"^P(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$")
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def problems(st) -> list[str]:
    out = []
    if not isinstance(st, dict):
        return ["statement is not an object"]
    try:
        uuid.UUID(st.get("id", ""))
    except (ValueError, TypeError, AttributeError):
        out.append("id is not a UUID")
    actor = st.get("actor", {})
    if sum(1 for k in IFIS if k in actor) != 1:
        out.append("actor needs exactly one inverse functional identifier")
    account = actor.get("account")
    if account is not None and not (str(account.get("homePage", "")).startswith(("http://", "https://"))
                                    and account.get("name")):
        out.append("account needs an IRL homePage and a name")
    verb = st.get("verb", {})
    if not IRI.match(str(verb.get("id", ""))) or not isinstance(verb.get("display", {}), dict):
        out.append("verb needs an IRI id and a language-map display")
    obj = st.get("object", {})
    if obj.get("objectType", "Activity") != "Activity" or not IRI.match(str(obj.get("id", ""))):
        out.append("object must be an Activity with an IRI id")
    try:
        datetime.fromisoformat(st["timestamp"].replace("Z", "+00:00"))
    except (KeyError, ValueError, AttributeError):
        out.append("timestamp is not ISO 8601")
    if "result" in st and not DURATION.match(str(st["result"].get("duration", "PT0S"))):
        out.append("result.duration is not an ISO 8601 duration")
    for key in st.get("context", {}).get("extensions", {}):
        if not IRI.match(key):
            out.append(f"extension key {key!r} is not an IRI")
    if "stored" in st or "authority" in st:
        out.append("stored and authority are set by the LRS, not the sender")
    return out


class StandInLrs:
    def __init__(self, username="lrs-key", password="lrs-secret"):
        self.statements: dict[str, dict] = {}
        self.requests: list[tuple[str, int]] = []
        self.down = False
        app = Flask("lrs")

        @app.before_request
        def check_headers():
            if self.down:
                return "maintenance", 503
            if request.headers.get("X-Experience-API-Version") != "1.0.3":
                return "X-Experience-API-Version header missing or not 1.0.3", 400
            auth = request.authorization
            if not auth or (auth.username, auth.password) != (username, password):
                return "unauthorised", 401
            if request.mimetype != "application/json":
                return "Content-Type must be application/json", 400

        @app.post("/xapi/statements")
        def post():
            body = request.get_json()
            batch = body if isinstance(body, list) else [body]
            for st in batch:
                if problems(st):
                    return "; ".join(problems(st)), 400
                if st["id"] in self.statements and self.statements[st["id"]] != st:
                    return f"statement {st['id']} exists with different content", 409
            for st in batch:
                self.statements.setdefault(st["id"], st)  # a known id changes nothing
            return jsonify([st["id"] for st in batch])

        @app.put("/xapi/statements")
        def put():
            st = request.get_json()
            if problems(st) or request.args.get("statementId") != st.get("id"):
                return "bad statement or statementId", 400
            if st["id"] in self.statements:
                return ("", 204) if self.statements[st["id"]] == st else ("conflict", 409)
            self.statements[st["id"]] = st
            return "", 204

        @app.after_request
        def log(response):
            self.requests.append((request.method, response.status_code))
            return response

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/xapi"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.thread.join(timeout=5)
