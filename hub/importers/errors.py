"""Import problems, collected whole so a school fixes its files in one pass, not one error per try."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with an input file, pointing at where an editor or spreadsheet shows it.

    ``line`` is the physical line (1-based; the header is line 1), ``column`` the 1-based column
    number, 0 when the problem concerns the whole row or the whole file.
    """

    file: str
    line: int
    column: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.reason}"


class ImportRejected(ValueError):
    """The import is refused as a whole; nothing was changed. Carries every problem found."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = list(problems)
        super().__init__(f"import rejected: {len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}; "
                         "nothing was changed")


class Problems(list):
    """A list of problems with a short way to add one; importers raise at the end if it is not empty."""

    def add(self, file: str, line: int, column: int, reason: str) -> None:
        self.append(ImportProblem(file, line, column, reason))

    def raise_if_any(self) -> None:
        if self:
            raise ImportRejected(sorted(self, key=lambda p: (p.file, p.line, p.column)))
