"""The witness's HTTP API (protocol/openapi.yaml, tag witness): register boards, take checkpoints, answer reviewers."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Callable

from flask import Flask, Response, jsonify, request

from .registry import Refused, Registry, utc_now


def _problem(status: int, detail: str, **extra) -> Response:
    body = {"type": "about:blank", "title": "refused" if status == 409 else "bad request", "status": status,
            "detail": detail} | extra
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json")


def create_witness_app(data_dir: Path, clock: Callable[[], datetime] = utc_now) -> Flask:
    app = Flask("classboard-witness")
    registry = Registry(Path(data_dir) / "witness.sqlite3", clock)
    app.config["REGISTRY"] = registry
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024

    @app.errorhandler(Refused)
    def refused(exc: Refused):
        return _problem(exc.status, str(exc), **exc.extra)

    def body() -> dict:
        document = request.get_json(silent=True)
        if not isinstance(document, dict):
            raise Refused(400, "body must be a JSON object")
        return document

    @app.post("/v1/boards")
    def register():
        doc = body()
        new = registry.register(doc.get("board_id"), doc.get("public_key"), doc.get("school"), doc.get("enrolled_at"))
        found = registry.entry(doc["board_id"]) or {}
        return jsonify({k: v for k, v in found.items() if k != "checkpoints"}), (201 if new else 200)

    @app.get("/v1/boards/<board_id>")
    def entry(board_id: str):
        found = registry.entry(board_id)
        return jsonify(found) if found else _problem(404, f"board {board_id} is not registered here")

    @app.get("/v1/boards/<board_id>/head")
    def head(board_id: str):
        found = registry.head(board_id)
        if found is None:
            return _problem(404, f"board {board_id} is not registered here")
        return jsonify({"size": found[0], "root": found[1]})

    @app.post("/v1/boards/<board_id>/checkpoints")
    def checkpoint(board_id: str):
        doc = body()
        old_size, proof = doc.get("old_size", 0), doc.get("proof", [])
        if not isinstance(doc.get("checkpoint"), str) or not isinstance(old_size, int) or not isinstance(proof, list):
            raise Refused(400, "checkpoint (text), old_size (integer) and proof (list of hex) are required")
        new = registry.add_checkpoint(board_id, doc["checkpoint"], old_size, proof)
        size, root = registry.head(board_id) or (0, "")
        return jsonify({"size": size, "root": root, "new": new}), (201 if new else 200)

    @app.get("/v1/silent")
    def silent():
        try:
            hours = float(request.args.get("hours", "48"))
        except ValueError:
            raise Refused(400, "hours must be a number") from None
        boards = registry.silent(hours)
        return jsonify({"hours": hours, "as_of": registry.now_text(), "count": len(boards), "boards": boards})

    @app.get("/v1/export")
    def export():
        return jsonify(registry.export())

    return app
