"""Backups before a migration, and restores that bring a database back exactly.

A backup is one file and a manifest beside it (`<name>.manifest.json`): the
file's size and SHA-256, the dialect, the phase, and a content fingerprint of
every application table, taken in the same snapshot as the file.

How the file is written and read back is the dialect's (dialects/*_backup.py):
pg_dump and a one-transaction pg_restore on PostgreSQL, the online backup API
on SQLite.

A restore checks the file's size and checksum, then the archive itself, before
it touches the database, and the fingerprint and phase after.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import sqlalchemy as sa

from phased import dialects
from phased.declare.errors import MigrateError, cli
from phased.declare.phase import Project
from phased.dialects import engines
from phased.state import fingerprint, ledger
from phased.state.state import live_shape, namespace_for, read_state

MANIFEST_SUFFIX = ".manifest.json"


@dataclass(frozen=True)
class Manifest:
    file: str  # the backup's file name, in the manifest's directory
    sha256: str
    size: int
    dialect: str
    phase: int  # 0 if the database was at no phase
    fingerprint: dict  # fingerprint.to_json of every application table
    created_at: str  # ISO 8601, UTC
    tool_version: str
    database: str  # the URL, password masked


def manifest_path(backup: Path) -> Path:
    return backup.with_suffix(MANIFEST_SUFFIX)


# -- backup -----------------------------------------------------------------------------------------

def create_backup(project: Project, url: sa.URL, directory: Path) -> tuple[Path, Manifest]:
    """Back up the whole database into `directory`; returns the backup file and its manifest."""
    db = dialects.of(url)
    db.check_backup_source(url)
    with engines.connection(url) as conn:
        with db.backup_snapshot(conn, url) as (conn, dump):  # state, fingerprint and file: one snapshot
            _prepare_directory(directory)
            phase = read_state(project, conn).phase_number
            content = take_fingerprint(project, conn)
            stamp = datetime.now(timezone.utc)
            path, fd = _new_file(directory, f"{project.name}-{db.name}-phase{phase}-{stamp:%Y%m%dT%H%M%SZ}",
                                 db.backup_extension)
            try:
                dump(fd, path)
                os.fsync(fd)
                manifest = Manifest(path.name, _sha256(path), path.stat().st_size, db.name, phase, content,
                                    stamp.isoformat(timespec="seconds"), project.version, engines.redact(url))
                _write_private(manifest_path(path), json.dumps(asdict(manifest), indent=2) + "\n")
            except BaseException:
                path.unlink(missing_ok=True)
                raise
            finally:
                os.close(fd)
    return path, manifest


def hook(project: Project, url: sa.URL, directory: Path, announce: Callable[[Path], None] | None = None
         ) -> Callable[[], str]:
    """For `Migrator.up(backup=…)`: takes the backup when the run is about to change something."""
    def take() -> str:
        path, _ = create_backup(project, url, directory)
        if announce:
            announce(path)
        return str(path)
    return take


def take_fingerprint(project: Project, conn: sa.Connection) -> dict:
    """fingerprint.to_json of every application table (the toolkit's own excluded), with its live columns."""
    tables = list(live_shape(project, conn).tables)
    return fingerprint.to_json(fingerprint.take(conn, fingerprint.live_columns(conn, tables)))


def _prepare_directory(directory: Path) -> None:
    """Create the directory (0700) if it is missing, and prove a file can be written in it, before any dump."""
    if directory.exists() and not directory.is_dir():
        raise MigrateError(f"cannot write backups to {directory}: it is not a directory")
    try:
        if not directory.is_dir():
            directory.mkdir(mode=0o700, parents=True)
            os.chmod(directory, 0o700)  # mkdir's mode is subject to the umask
        fd, probe = tempfile.mkstemp(dir=directory, prefix=".backup-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise MigrateError(f"cannot write backups to {directory}: {exc.strerror or exc}") from None


def _new_file(directory: Path, stem: str, extension: str) -> tuple[Path, int]:
    """A new file, mode 0600, whose manifest name is free too: `stem`, or `stem-2`, … if taken."""
    for n in range(1, 100):
        path = directory / f"{stem}{'' if n == 1 else f'-{n}'}{extension}"
        if manifest_path(path).exists():
            continue
        try:
            return path, _open_private(path)
        except FileExistsError:
            continue
    raise MigrateError(f"cannot find a free backup file name in {directory} for {stem}")


def _open_private(path: Path) -> int:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)  # exactly 0600, whatever the umask
    return fd


def _write_private(path: Path, text: str) -> None:
    fd = _open_private(path)
    try:
        os.write(fd, text.encode())
        os.fsync(fd)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)


# -- reading a backup -------------------------------------------------------------------------------

_TYPES = {"str": str, "int": int, "dict": dict}


def read_manifest(path: Path) -> tuple[Path, Manifest]:
    """The backup file and its manifest, given either one."""
    path = Path(path)
    given_manifest = path.name.endswith(MANIFEST_SUFFIX)
    manifest_file = path if given_manifest else manifest_path(path)
    if not path.is_file():
        raise MigrateError(f"no such backup: {path}")
    if not manifest_file.is_file():
        raise MigrateError(f"no manifest for {path}: expected {manifest_file}")
    try:
        data = json.loads(manifest_file.read_text())
        values = {f.name: data[f.name] for f in fields(Manifest)}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        reason = f"no field {exc}" if isinstance(exc, KeyError) else str(exc).splitlines()[0]
        raise MigrateError(f"unreadable backup manifest {manifest_file}: {reason}") from None
    wrong = [f.name for f in fields(Manifest) if not isinstance(values[f.name], _TYPES[f.type])]
    if wrong:
        raise MigrateError(f"unreadable backup manifest {manifest_file}: bad {', '.join(wrong)}")
    manifest = Manifest(**values)
    if Path(manifest.file).name != manifest.file or manifest.file in ("", ".", ".."):
        raise MigrateError(f"backup manifest {manifest_file} names {manifest.file!r}, not a file beside it")
    backup = manifest_file.parent / manifest.file
    if not given_manifest and backup.name != path.name:
        raise MigrateError(f"backup manifest {manifest_file} describes {manifest.file}, not {path.name}")
    if not backup.is_file():
        raise MigrateError(f"the backup file {backup} named by {manifest_file.name} is missing")
    return backup, manifest


def verify_file(path: Path, manifest: Manifest) -> None:
    """Refuse a truncated or corrupt backup: its size, then its SHA-256, against the manifest."""
    size = path.stat().st_size
    if size != manifest.size:
        raise MigrateError(f"{path} is {size:,} bytes but its manifest says {manifest.size:,}: "
                           "the backup is truncated or damaged; nothing was restored")
    if _sha256(path) != manifest.sha256:
        raise MigrateError(f"{path} does not match its manifest's SHA-256: the backup is corrupt; nothing was restored")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# -- restore ----------------------------------------------------------------------------------------

def restore_backup(project: Project, url: sa.URL, path: Path, *, force: bool = False,
                   terminate: bool = False) -> Manifest:
    """Bring the database back to exactly the backup's state: tables added since are dropped.

    Refused, before anything changes, when the backup was taken of another database, or
    while other sessions are connected (they would write over the restored data), unless
    `force`; `terminate` ends those sessions first. The ledger keeps its own history:
    entries made since the backup are put back, and the restore is recorded.
    """
    backup, manifest = read_manifest(path)
    db = dialects.of(url)
    if manifest.dialect != db.name:
        raise MigrateError(f"{backup.name} is a {manifest.dialect} backup; it cannot be restored "
                           f"into the {db.name} database {engines.redact(url)}")
    if not force and not same_database(manifest.database, url):
        raise MigrateError(f"{backup.name} is a backup of {manifest.database}, not of {engines.redact(url)}; "
                           "nothing was restored: pass --force to restore it here anyway")
    verify_file(backup, manifest)
    with engines.connection(url) as conn:
        db.check_backup(conn, backup)
        db.other_sessions(conn, force=force, terminate=terminate)
        ns = namespace_for(project, conn)
        with engines.migrator_lock(conn):
            history = ledger.entries(conn, ns)
            conn.rollback()
            started_at = ledger.now()
            db.load_backup(conn, url, backup, ns.name)
            ledger.merge(conn.engine, ns, history)
            entry = ledger.Entry(manifest.phase, "restore", started_at, ledger.now(), 0.0, "ok", backup=str(backup),
                                 details={"backup of": manifest.database, "taken at": manifest.created_at})
            problem = _restored_differs(project, conn, manifest)
            if problem:
                entry.outcome, entry.error = "failed", problem
            ledger.record(conn.engine, ns, entry)
            if problem:
                raise MigrateError(f"the restore committed: the database now holds {backup.name}, but {problem}; "
                                   f"run {cli('verify')} to see where it stands")
    return manifest


def same_database(recorded: str, url: sa.URL) -> bool:
    """Whether a manifest's (redacted) database URL names the database `url` names."""
    try:
        theirs = sa.engine.make_url(recorded)
    except (sa.exc.ArgumentError, ValueError):
        return False
    return theirs.get_backend_name() == url.get_backend_name() and dialects.of(url).same_database(theirs, url)


def _restored_differs(project: Project, conn: sa.Connection, manifest: Manifest) -> str | None:
    """Why the restored database is not the backup's, or None: other sessions may have written since it committed."""
    expected = fingerprint.from_json(manifest.fingerprint)
    actual = fingerprint.from_json(take_fingerprint(project, conn))
    phase = read_state(project, conn).phase_number
    conn.rollback()
    diffs = fingerprint.differences(expected, actual) + [f"{t}: unexpected" for t in actual if t not in expected]
    if diffs:
        return (f"its contents differ from the backup's fingerprint ({'; '.join(diffs[:3])}): another session "
                "may have written since the restore committed")
    if phase != manifest.phase:
        return f"it is at phase {phase}, and the backup was taken at {manifest.phase}"
    return None
