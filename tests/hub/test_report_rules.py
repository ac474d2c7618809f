"""The rules quote the indicator system verbatim, and every choice of ours is a named policy."""
from __future__ import annotations

from pathlib import Path

import pytest

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "guangxi-digital-campus-guide-and-indicators.txt"


@pytest.mark.skipif(not SEED.exists(), reason="the seed document is kept beside the repository, not in it")
def test_every_quoted_clause_is_verbatim_in_the_indicator_system():
    from hub.report import clauses

    text = SEED.read_text(encoding="utf-8")
    quoted = [*clauses.POINTS.values(), *clauses.CONTEXT.values(), *clauses.DEFINITIONS.values(),
              clauses.LOG_RETENTION]
    assert len(quoted) == 22
    missing = [q for q in quoted if q not in text]
    assert not missing, missing


def test_each_point_carries_its_clause_definitions_and_units():
    from hub.report import clauses
    from hub.report.rules import load_rules

    rules = load_rules()
    for point, spec in rules["points"].items():
        assert spec["clause"] == clauses.POINTS[point] and spec["clause"].startswith(point + " ")
        assert spec["definitions"] and all(clauses.DEFINITIONS[p] == t for p, t in spec["definitions"].items())
        for clause in spec["any"]:
            assert set(clause["initiators"]) <= {"teacher", "student", "staff", "guardian"}
    assert rules["points"]["2.1.10"]["units"] == ["class", "teacher", "subject"]


def test_policy_hash_changes_with_any_choice_and_only_then():
    from hub.report.rules import load_rules

    base = load_rules()["policy_sha256"]
    assert load_rules()["policy_sha256"] == base and len(base) == 64
    assert load_rules({"policy": {"min_roster": 10}})["policy_sha256"] != base
    assert load_rules({"policy": {"min_roster": 10}})["points"]["2.1.10"]["any"][0]["min_roster"] == 10
    assert load_rules({"policy": {"min_school_days_per_week": 1}})["policy_sha256"] != base
