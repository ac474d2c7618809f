"""Reading CSV files the way schools actually produce them, with a line number on every record.

Spreadsheets save UTF-8 with or without a BOM, CRLF or LF line ends, and quoted fields
that hold commas, doubled quotes and even line breaks; a record can therefore span several
physical lines. Every problem must point at the line a person sees in an editor, so each
record keeps the physical line it starts on. File sets (OneRoster) come from a folder or a zip,
read with caps so a hostile zip can neither fill memory nor reach outside it.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .errors import Problems

MAX_CSV_BYTES = 50 * 1024 * 1024
MAX_ZIP_BYTES = 200 * 1024 * 1024  # total uncompressed: a zip bomb stops here, not in memory
csv.field_size_limit(1024 * 1024)


@dataclass
class Record:
    """One data row: its first physical line, and its values by column name."""

    line: int
    values: dict[str, str]

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)


@dataclass
class Table:
    """A parsed CSV file; ``column(name)`` gives the 1-based column number used in problems."""

    file: str
    header: list[str]
    records: list[Record] = field(default_factory=list)

    def column(self, name: str) -> int:
        return self.header.index(name) + 1 if name in self.header else 0

    def __iter__(self):
        return iter(self.records)


def decode(data: bytes, file: str, problems: Problems) -> str | None:
    """UTF-8 with or without a BOM; anything else is a problem pointing at the first bad byte's line."""
    if len(data) > MAX_CSV_BYTES:
        problems.add(file, 0, 0, f"file is {len(data)} bytes; the limit is {MAX_CSV_BYTES} bytes")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.add(file, line, 0, "file is not UTF-8 (in Excel or WPS save it as 'CSV UTF-8'; "
                                    "GBK/ANSI files are not accepted)")
        return None


def read_table(data: bytes, file: str, problems: Problems, *, required: Iterable[str],
               optional: Iterable[str] | None = None) -> Table | None:
    """Parse a CSV file with a header row.

    Missing ``required`` columns are problems on line 1. When ``optional`` is given, any other
    column is a problem too (our own formats); when it is None, extra columns are tolerated
    (standard formats such as OneRoster allow extension columns). Returns None when the file
    cannot be read at all; row-level problems are added and the row skipped.
    """
    text = decode(data, file, problems)
    if text is None:
        return None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        problems.add(file, reader.line_num or 1, 0, f"cannot read the header row: {exc}")
        return None
    if not header or not any(h.strip() for h in header):
        problems.add(file, 1, 0, "the file is empty; a header row is required")
        return None
    header = [h.strip() for h in header]
    required = list(required)
    bad = False
    seen: set[str] = set()
    for i, name in enumerate(header, 1):
        if name in seen:
            problems.add(file, 1, i, f"column {name!r} appears twice in the header")
            bad = True
        seen.add(name)
        if optional is not None and name not in required and name not in set(optional):
            problems.add(file, 1, i, f"unknown column {name!r} (expected: {', '.join(required + list(optional))})")
            bad = True
    for name in required:
        if name not in header:
            problems.add(file, 1, 0, f"required column {name!r} is missing")
            bad = True
    if bad:
        return None
    table = Table(file, header)
    previous = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.add(file, previous + 1, 0, f"cannot parse this record: {exc}")
            return table
        start, previous = previous + 1, reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank line
        if len(row) > len(header):
            problems.add(file, start, len(header) + 1,
                         f"record has {len(row)} fields; the header has {len(header)}")
            continue
        values = dict(zip(header, (v.strip() for v in row)))
        for name in header[len(row):]:
            values[name] = ""  # short rows: trailing empty fields left out by some tools
        table.records.append(Record(start, values))
    return table


def _from_zip(path: Path, names: list[str], problems: Problems) -> dict[str, bytes]:
    """Known files at the root or in one folder; traversal names, deeper paths and other files are ignored."""
    out: dict[str, bytes] = {}
    total = 0
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        problems.add(path.name, 0, 0, f"not a readable zip file: {exc}")
        return out
    with archive:
        for info in archive.infolist():
            name = info.filename.replace("\\", "/")
            parts = name.split("/")
            if info.is_dir() or name.startswith("/") or ".." in parts or ":" in name or len(parts) > 2 \
                    or parts[0] == "__MACOSX" or parts[-1] not in names:
                continue
            if parts[-1] in out:
                problems.add(path.name, 0, 0, f"{parts[-1]} appears twice in the zip ({name})")
                continue
            try:
                with archive.open(info) as f:
                    data = f.read(min(MAX_CSV_BYTES, MAX_ZIP_BYTES - total) + 1)  # the header's size may lie
            except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as exc:
                problems.add(path.name, 0, 0, f"cannot unpack {name}: {exc}")
                continue
            total += len(data)
            if total > MAX_ZIP_BYTES or len(data) > MAX_CSV_BYTES:
                what, limit = ("the zip", MAX_ZIP_BYTES) if total > MAX_ZIP_BYTES else (name, MAX_CSV_BYTES)
                problems.add(path.name, 0, 0, f"{what} unpacks to more than {limit} bytes; refused")
                return {}
            out[parts[-1]] = data
    return out


def _from_dir(path: Path, names: list[str], problems: Problems) -> dict[str, bytes]:
    folder = path
    if not any((path / n).is_file() for n in names):
        subs = [d for d in sorted(path.iterdir()) if d.is_dir() and any((d / n).is_file() for n in names)]
        if len(subs) == 1:
            folder = subs[0]
    out = {}
    for name in names:
        file = folder / name
        if file.is_file():
            if file.stat().st_size > MAX_CSV_BYTES:
                problems.add(name, 0, 0, f"file is larger than {MAX_CSV_BYTES} bytes; refused")
                continue
            out[name] = file.read_bytes()
    return out


def load_files(path: Path, names: list[str], problems: Problems) -> dict[str, bytes]:
    """The named files of a folder or a zip (at its root or in one sub-folder), by file name."""
    if path.is_dir():
        return _from_dir(path, names, problems)
    if path.is_file():
        return _from_zip(path, names, problems)
    problems.add(path.name, 0, 0, "no such file or folder")
    return {}
