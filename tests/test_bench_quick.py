"""The protocol-2 benches run in quick mode and end with one line of JSON holding their figures.

No figure is asserted against a goal here (timings belong in bench/, never in tests); what is checked is
that each bench runs, measures what it says, and that the drain and the verification came out whole.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_bench(name: str) -> dict:
    result = subprocess.run([sys.executable, str(ROOT / "bench" / name), "--quick"], capture_output=True, text=True,
                            timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.integration
@pytest.mark.parametrize("name,keys", [
    ("store.py", {"service_per_s", "raw_per_s", "ratio", "seal_us", "checkpoint_batch_ms"}),
    ("drain.py", {"records_per_s", "bytes_per_record", "complete"}),
    ("verify.py", {"verify_s", "checkpoint_bytes", "inclusion_proof_bytes", "consistency_proof_bytes", "ok"}),
])
def test_bench_quick_mode_ends_with_its_figures(name, keys):
    figures = run_bench(name)
    assert figures["bench"] == name[:-3] and keys <= figures.keys()
    if name == "drain.py":
        assert figures["complete"] and figures["records"] == 10_000
    if name == "verify.py":
        assert figures["ok"] and figures["records"] == 8_000
