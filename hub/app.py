"""The hub's Flask app factory."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask

from protocol.keys import load_or_create, public_text

from .bundles import BundleCache
from .config import HubConfig
from .db import open_database
from .broker.files import BrokerFiles, hub_mqtt_login
from .push import Pusher
from .security import headers


def create_app(config: HubConfig) -> Flask:
    data = Path(config.data_dir)
    data.mkdir(parents=True, exist_ok=True)
    key = load_or_create(data / "hub_key.pem")
    config.hub_public_key = public_text(key)  # type: ignore[attr-defined]
    if not config.secret_key:
        secret_file = data / "console_secret"
        if not secret_file.exists():
            secret_file.write_text(secrets.token_hex(32))
            secret_file.chmod(0o600)
        config.secret_key = secret_file.read_text().strip()
    open_database(config.database_url)

    app = Flask("classboard-hub", template_folder=str(Path(__file__).parent / "templates"))
    app.config.update(HUB=config, HUB_KEY=key, BUNDLES=BundleCache(key), SECRET_KEY=config.secret_key,
                      PUSH=Pusher(key, config.mqtt_host, config.mqtt_port, **hub_mqtt_login(config)),
                      MAX_CONTENT_LENGTH=config.max_batch_bytes + 1024,
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
                      SESSION_COOKIE_SECURE=config.tls, BROKER=BrokerFiles.for_hub(config))
    headers.install(app)
    from .api import api
    from .console import console
    app.register_blueprint(api)
    app.register_blueprint(console)
    from .broadcast.web import broadcast_blueprint
    from .importers.web import import_blueprint
    from .report.web import report_blueprint
    app.register_blueprint(report_blueprint)
    app.register_blueprint(import_blueprint)
    app.register_blueprint(broadcast_blueprint)
    from .classlife.web import classlife_blueprint
    app.register_blueprint(classlife_blueprint)
    from .district.web import district_blueprint
    app.register_blueprint(district_blueprint)
    from .family import register as register_family
    register_family(app)
    return app
