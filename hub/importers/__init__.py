"""Importers for the school's own data: OneRoster 1.2 CSV rosters, timetable CSV and CSES YAML.

Each importer reads its files, collects every problem (file:line:column: reason) and either
rejects the whole import or proposes a complete new school content, which ``apply.run`` shows
as counts (dry run) or stores in one transaction.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .apply import ImportResult, apply_import, plan, run
from .errors import ImportProblem, ImportRejected

__all__ = ["ImportProblem", "ImportRejected", "ImportResult", "apply_import", "plan", "read_any", "run"]


def read_any(kind: str, path: Path | str, class_id: str | None = None,
             current: dict[str, Any] | None = None) -> ImportResult:
    """One entry point for the CLI and the console: ``kind`` is 'oneroster' or 'timetable' (CSV or CSES by extension)."""
    path = Path(path)
    if kind == "oneroster":
        from .oneroster import read_oneroster
        return read_oneroster(path, current)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        if not class_id:
            raise ImportRejected([ImportProblem(path.name, 0, 0, "a CSES file is one class's timetable: "
                                                                  "give the class id (--class)")])
        from .cses import read_cses
        return read_cses(path, class_id, current)
    if suffix == ".csv":
        from .timetable import read_timetable_csv
        return read_timetable_csv(path, current)
    raise ImportRejected([ImportProblem(path.name, 0, 0, "a timetable is a .csv file or a CSES .yaml/.yml file")])
