"""`gaingrid backup` and `gaingrid restore`: thin commands over phased.safety.backup."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gaingrid.cli.common import (
    DatabaseUrl,
    EnvName,
    Reason,
    Yes,
    backup_dir_for,
    console,
    guard,
    migrator_for,
    one_line_errors,
)
from phased.dialects.engines import redact
from phased.safety import backup as backups

BackupDir = Annotated[Path, typer.Option("--dir", help="Where to write the backup and its manifest (made 0700 if missing).")]
BackupFile = Annotated[Path, typer.Argument(help="The backup file, or its .manifest.json.", show_default=False)]


def register(app: typer.Typer) -> None:
    app.command()(backup)
    app.command()(restore)


def backup(database_url: DatabaseUrl = None, env: EnvName = None, directory: BackupDir = Path("backups")) -> None:
    """Back up the whole database, the migration records included, with a manifest to verify it by."""
    one_line_errors(_backup)(database_url, env, directory)


Force = Annotated[bool, typer.Option("--force", help="Restore a backup of another database, or while other "
                                                     "sessions are connected, or outside the environment's window "
                                                     "(with --reason, recorded).")]
Terminate = Annotated[bool, typer.Option("--terminate", help="End the other sessions first (PostgreSQL).")]


def restore(file: BackupFile, database_url: DatabaseUrl = None, env: EnvName = None, force: Force = False,
            terminate: Terminate = False, reason: Reason = None, yes: Yes = False) -> None:
    """Put the database back exactly as a backup holds it; tables added since are dropped."""
    one_line_errors(_restore)(file, database_url, env, force, terminate, reason, yes)


def _backup(database_url: str | None, env: str | None, directory: Path) -> None:
    directory = backup_dir_for(env, directory, "directory")
    migrator = migrator_for(database_url, env=env)
    path, manifest = backups.create_backup(migrator.project, migrator.url, directory)
    _say(f"backed up {redact(migrator.url)} at {_phase(migrator, manifest.phase)}")
    _say(f"backup:   {path} ({manifest.size:,} bytes, sha256 {manifest.sha256[:16]}…)")
    _say(f"manifest: {backups.manifest_path(path)}")


def _restore(file: Path, database_url: str | None, env: str | None, force: bool, terminate: bool,
             reason: str | None, yes: bool) -> None:
    migrator = migrator_for(database_url, env=env)
    guard(env, "restore", migrator, 0, force=force and bool(reason), reason=reason, yes=yes)
    manifest = backups.restore_backup(migrator.project, migrator.url, file, force=force, terminate=terminate)
    _say(f"restored {manifest.file} (taken {manifest.created_at}) into {redact(migrator.url)}")
    _say(f"verified: {_phase(migrator, manifest.phase)}, the contents of {len(manifest.fingerprint)} tables "
         "match the backup's fingerprint")


def _phase(migrator, number: int) -> str:
    return f"phase {migrator.project.phase(number).label}" if number else "no phase"


def _say(text: str) -> None:
    console.print(text, soft_wrap=True, markup=False)
