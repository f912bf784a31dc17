"""An export file read as CSV records, streamed: one record in memory at a time.

The standard library's csv module handles quoting, doubled quotes and line
breaks inside quoted fields. This adds what exports need around it: a BOM,
either `,` or `;` between fields (Strong writes both), the line each record
starts on, and one clear error for a file that is not text or not CSV.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

FIELD_LIMIT = 1 << 20  # a note of a million characters is a broken quote swallowing the file, not a note


class ImportRefused(ValueError):
    """The whole file is refused and nothing was changed; the message says what to do next."""


@dataclass(frozen=True, slots=True)
class Record:
    line: int  # where the record starts in the file, 1-based (the header is line 1)
    fields: list[str]


class CsvFile:
    """The header and then the records of a CSV export in `raw` (a binary stream)."""

    def __init__(self, raw: BinaryIO, name: str) -> None:
        self.name = name
        self._text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        first = self._read(self._text.readline)
        if not first.strip():
            raise ImportRefused(f"{name} is empty: export your workouts from the app again and import that file")
        delimiter = ";" if first.count(";") > first.count(",") else ","
        self._reader = csv.reader(_chain(first, self._text), delimiter=delimiter, strict=True)
        self.header = [h.strip() for h in self._next() or []]

    def records(self) -> Iterator[Record]:
        while True:
            start = self._reader.line_num + 1
            fields = self._next()
            if fields is None:
                return
            if fields:  # a blank line is no record
                yield Record(start, fields)

    def _next(self) -> list[str] | None:
        try:
            return self._read(lambda: next(self._reader))
        except StopIteration:
            return None
        except csv.Error as exc:
            raise ImportRefused(f"{self.name} line {self._reader.line_num}: {exc}: the file's quoting is "
                                "broken there; export it again, or fix that line, and import again") from None

    def _read(self, step):
        try:
            return step()
        except UnicodeDecodeError as exc:
            raise ImportRefused(f"{self.name} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x}): "
                                "save it as UTF-8 CSV and import again") from None


def _chain(first: str, rest: io.TextIOWrapper) -> Iterator[str]:
    yield first
    yield from rest


csv.field_size_limit(FIELD_LIMIT)
