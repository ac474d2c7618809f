"""Hub settings: one data directory, and one line to move the database to PostgreSQL."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class HubConfig:
    data_dir: Path = field(default_factory=lambda: Path(os.environ.get("CLASSBOARD_HUB_DATA", "/var/lib/classboard-hub")))
    db_url: str = ""  # empty: SQLite in data_dir; or "postgresql://user:pass@host:5432/db"
    host: str = "127.0.0.1"
    port: int = 8000
    mqtt_host: str = ""
    mqtt_port: int = 1883
    secret_key: str = ""  # console sessions; generated into data_dir when empty
    max_batch_bytes: int = 2 * 1024 * 1024
    tls: bool = False  # served over HTTPS (by the hub itself or a proxy in front): cookies get Secure
    broker_dir: Path | None = None  # where the hub writes Mosquitto's config, users and ACLs (None: not managed)
    mqtt_tls: bool = False  # the broker's listener speaks TLS with the hub's certificate
    # the district's witness (``classboard witness serve``): enrollments and checkpoints are forwarded there
    witness_url: str = field(default_factory=lambda: os.environ.get("CLASSBOARD_HUB_WITNESS_URL", ""))
    # district policy, not the indicator system's: how long without a checkpoint at the witness makes a board
    # "silent" on the district page (boards sign one at least daily, so the default allows one missed day)
    silent_hours: float = field(default_factory=lambda: float(os.environ.get("CLASSBOARD_HUB_SILENT_HOURS", "48")))

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{Path(self.data_dir) / 'hub.sqlite3'}"
