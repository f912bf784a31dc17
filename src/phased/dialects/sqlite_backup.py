"""SQLite's backups, restores and rehearsal clones: the online backup API, in both directions."""
from __future__ import annotations

import sqlite3
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa

from phased.declare.errors import MigrateError


def require_file(url: sa.URL) -> None:
    database = url.database
    if not database or database == ":memory:":
        raise MigrateError("an in-memory SQLite database cannot be backed up")
    if not Path(database).is_file():
        raise MigrateError(f"no database at {database}: there is nothing to back up")


def open_readonly(path: Path | str) -> sqlite3.Connection:
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)


def check(path: Path) -> None:
    """Refuse a file that is not a sound SQLite database."""
    try:
        source = open_readonly(path)
        try:
            result = source.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            source.close()
    except sqlite3.DatabaseError as exc:
        result = str(exc)
    if result != "ok":
        raise MigrateError(f"{path} is not a readable SQLite backup: {result.splitlines()[0]}")


def copy(source: sqlite3.Connection | Path, target: sqlite3.Connection | Path) -> None:
    """A consistent copy of all of `source` over all of `target`, even while others write (a file is opened here)."""
    opened: list[sqlite3.Connection] = []

    def open_(db: sqlite3.Connection | Path, readonly: bool) -> sqlite3.Connection:
        if isinstance(db, Path):
            opened.append(open_readonly(db) if readonly else sqlite3.connect(db))
            return opened[-1]
        return db

    try:
        open_(source, True).backup(open_(target, False))
    finally:
        for conn in opened:
            conn.close()


def same_file(theirs: sa.URL, url: sa.URL) -> bool:
    return bool(theirs.database and url.database) and Path(theirs.database).resolve() == Path(url.database).resolve()


@contextmanager
def clone(url: sa.URL, prefix: str) -> Iterator[sa.URL]:
    """A copy of the database in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        target = Path(tmp) / "clone.db"
        copy(Path(url.database), target)
        yield url.set(database=str(target))
