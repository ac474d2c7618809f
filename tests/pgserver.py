"""A throwaway PostgreSQL server on 127.0.0.1 for tests and benches: its own data dir, a free port, trust auth.

Debian's packages put the server binaries under /usr/lib/postgresql/<major>/bin
without starting anything we need. initdb refuses to run as root, so as root
the server runs as the ``postgres`` user the package created.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self) -> None:
        bindir = binaries()
        if bindir is None:
            raise RuntimeError("PostgreSQL server binaries not found; run scripts/setup.sh")
        self.bindir, self.port = bindir, _free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        # as root, not under $TMPDIR: a caller's private temp dir (mode 0700, root's) is closed to ``postgres``
        self.root = Path(tempfile.mkdtemp(prefix="classboard-pg-", dir="/tmp" if self.as_user else None))
        self.data = self.root / "data"
        if self.as_user:
            shutil.chown(self.root, "postgres")
            self.root.chmod(0o700)
        self._run("initdb", "-D", str(self.data), "--auth=trust", "--username=postgres", "--encoding=UTF8",
                  "--no-locale")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c synchronous_commit=off -c full_page_writes=off", "start")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bindir / tool), *args], check=True, capture_output=True,
                       timeout=120, cwd=self.root)

    def fresh_database(self, name: str) -> str:
        """A new empty database's URL (each test gets its own)."""
        import psycopg
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")
        except subprocess.SubprocessError:
            pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                shutil.rmtree(self.root)
                return
            except OSError:
                time.sleep(0.2)
