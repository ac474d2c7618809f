"""The layout table of ARCHITECTURE.md, enforced: who may import whom."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("drivers", "protocol", "edge", "kiosk_ui", "hub", "provisioning", "classboard")
ALLOWED = {
    "drivers": set(),
    "protocol": set(),
    "edge": {"drivers", "protocol"},
    "kiosk_ui": {"edge"},
    "hub": {"protocol"},
    "provisioning": {"edge", "protocol"},
    "classboard": set(PARTS),  # the one console script wires the parts together
}


def imported_parts(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(PARTS)


@pytest.mark.parametrize("part", [p for p in PARTS if p != "classboard"])
def test_parts_import_only_what_the_architecture_allows(part):
    wrong = {str(path.relative_to(ROOT)): sorted(imported_parts(path) - ALLOWED[part] - {part})
             for path in (ROOT / part).rglob("*.py")}
    assert {k: v for k, v in wrong.items() if v} == {}
