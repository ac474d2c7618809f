"""The security benches run in quick mode and end with their JSON line (figures are read, never asserted on time)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def run_quick(name: str) -> dict:
    run = subprocess.run([sys.executable, str(ROOT / "bench" / name), "--quick"], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_signin_bench_counts_guesses_before_and_after():
    figures = run_quick("signin.py")
    assert figures["bench"] == "signin"
    for per in ("account", "address"):
        assert figures[f"before_per_min_per_{per}"] > 0 and figures[f"after_first_minute_per_{per}"] > 0
        assert f"ratio_per_{per}" in figures


def test_tls_bench_drains_and_pushes_both_ways():
    figures = run_quick("tls.py")
    assert figures["bench"] == "tls" and figures["records"] == 2000 and figures["pushes"] == 50
    assert figures["drain_ratio_tls_over_plain"] > 0 and figures["push_ratio_p50_tls_over_plain"] > 0
