"""Prisma's migration history, kept in step with the phases: `_prisma_migrations` and the folder.

A team that keeps Prisma commits `prisma/migrations` and runs `prisma migrate
status`, `migrate dev` and `migrate deploy` against the database the toolkit
migrates. For Prisma to call that database up to date, every phase the
toolkit applies is, to Prisma, one more migration:

- a folder `DIR/<UTC timestamp>_<project>_phase<N>_<name>/migration.sql`,
  holding Prisma's own SQL for the phase (the project supplies it), so that a
  shadow database's replay reproduces the live schema exactly. The timestamp
  keeps Prisma's order. The file starts with one statement (adapter-pg splits
  a script on every `;`, so the guard has none inside it) that fails only on a
  database the toolkit manages: a stray `prisma migrate deploy` there stops
  before any DDL, while shadow and fresh development databases replay it;
- its `_prisma_migrations` row, written as `prisma migrate resolve --applied`
  writes one (checksum: the sha256 hex of migration.sql; started_at =
  finished_at; applied_steps_count 0), in the transaction that stamps the
  phase. On down the row is deleted (Prisma counts a finished row as applied,
  even rolled back) and, once that commits, the folder is moved aside to
  `<DIR>-rolled-back/`. Up writes a new folder, or reuses the phase's folder
  another database already committed to DIR.

`adopt` attaches the history: it refuses a dirty one (failed rows, applied
migrations missing from DIR or changed since) and remembers DIR and the last
applied migration, the baseline, in the toolkit's namespace. Migrations the
team records after the baseline that are not the toolkit's are the team's
own: what they add (Prisma's additive statements: tables, columns, indexes,
foreign keys, enums) is foreign, not drift.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import sqlalchemy as sa

from phased.declare.errors import MigrateError, cli
from phased.declare.phase import Phase, Project
from phased.declare.sql import quote
from phased.schema.shapes import Additions
from phased.state.histories import History
from phased.state.state import namespace_for

TABLE = "_prisma_migrations"
STAMP = "%Y%m%d%H%M%S"
GUARDED = "so Prisma must not apply"  # in the guard's error, which Prisma keeps in the row's logs


@dataclass(frozen=True)
class Row:
    id: str
    name: str
    checksum: str
    finished_at: datetime | None
    rolled_back_at: datetime | None
    logs: str | None = None

    @property
    def applied(self) -> bool:
        """As Prisma counts it: finished, even if marked rolled back since."""
        return self.finished_at is not None

    @property
    def failed(self) -> bool:
        return self.finished_at is None and self.rolled_back_at is None


def checksum(text: str | bytes) -> str:
    """Prisma's: the sha256 hex of migration.sql's bytes."""
    return hashlib.sha256(text if isinstance(text, bytes) else text.encode()).hexdigest()


class PrismaHistory(History):
    name = "prisma"
    title = "Prisma's history"

    def __init__(self, project: Project, directory: str | Path | None, migration_sql: Callable[[Phase], str]) -> None:
        """`directory`: the team's prisma/migrations (None: the one `adopt` remembered).
        `migration_sql(phase)`: Prisma's own SQL for the phase (what `prisma migrate dev` emits)."""
        self.project = project
        self.directory = Path(directory).resolve() if directory is not None else None
        self.migration_sql = migration_sql
        self.ours = re.compile(rf"^\d{{14}}_{re.escape(project.name)}_phase(\d+)_")
        self._moving: list[str] = []  # folders whose rows this process deleted: moved aside once that commits

    # -- where it stands ------------------------------------------------------

    def _attachments(self, conn: sa.Connection) -> sa.Table:
        ns = namespace_for(self.project, conn)
        return sa.Table(ns.table_name("histories"), sa.MetaData(schema=ns.schema),
                        sa.Column("name", sa.Text, primary_key=True),
                        sa.Column("location", sa.Text, nullable=False),
                        sa.Column("baseline", sa.Text),  # the last migration applied when it was attached
                        sa.Column("phase", sa.Integer, nullable=False),  # the phase it was attached at
                        sa.Column("attached_at", sa.DateTime, nullable=False))

    def _attached(self, conn: sa.Connection) -> dict | None:
        if conn.dialect.name != "postgresql":
            return None
        table = self._attachments(conn)
        if not sa.inspect(conn).has_table(table.name, schema=table.schema):
            return None
        row = conn.execute(sa.select(table).where(table.c.name == self.name)).mappings().first()
        return dict(row) if row else None

    def active(self, conn: sa.Connection) -> bool:
        return self.directory is not None or self._attached(conn) is not None

    def agrees(self, conn: sa.Connection, at: Phase | None) -> str:
        attached = self._attached(conn)
        if attached is None:
            return "not kept"
        rows = [r for r in self._rows(conn) or [] if r.applied]
        return (f"{len(rows)} migrations applied, {sum(1 for r in rows if self._phase_of(r.name))} of them phases "
                f"{attached['phase'] + 1}..{at.number if at else 0}; each in {self._where(attached)} with its checksum")

    def _where(self, attached: dict | None) -> Path | None:
        return self.directory or (Path(attached["location"]) if attached else None)

    def _refuse_sqlite(self, conn: sa.Connection) -> None:
        if self.directory is not None and conn.dialect.name != "postgresql":
            raise MigrateError(f"--prisma-migrations: Prisma's history is kept on PostgreSQL only, and this "
                               f"database is {conn.dialect.name}; leave the option out")

    def _rows(self, conn: sa.Connection) -> list[Row] | None:
        if not sa.inspect(conn).has_table(TABLE, schema="public"):
            return None
        return [Row(*r) for r in conn.exec_driver_sql(
            f"SELECT id, migration_name, checksum, finished_at, rolled_back_at, logs FROM public.{quote(TABLE)} "
            "ORDER BY migration_name, started_at").fetchall()]

    def _stopped(self, row: Row) -> bool:
        """A failed attempt the guard stopped at its first statement: nothing of it ran."""
        return row.failed and self._phase_of(row.name) is not None and GUARDED in (row.logs or "")

    def _phase_of(self, name: str) -> int | None:
        m = self.ours.match(name)
        return int(m.group(1)) if m else None

    def content(self, name: str, phase: Phase) -> str:
        """The folder's migration.sql: the guard, then Prisma's SQL for the phase."""
        ns = self.project.namespace  # the schema the toolkit keeps its state in, on PostgreSQL
        command = cli("up").strip("`")
        guard = (
            f"-- Phase {phase.label}, applied by `{command}`, which records it in {TABLE} in the phase's own\n"
            f"-- transaction. The guard below stops a `prisma migrate deploy` before any change on a database\n"
            f"-- the toolkit manages (it has the schema {ns}). Shadow and fresh development databases replay\n"
            f"-- this file as it stands.\n"
            f"SELECT ('this database is managed by {command.rsplit(' ', 1)[0]}, {GUARDED} "
            f"{name}: {command} does. Undo this attempt with prisma migrate resolve --rolled-back {name}, then "
            f"run {cli('status').strip('`')} (managed: schema ' || nspname || ')')::int "
            f"FROM pg_namespace WHERE nspname = '{ns}'"
        )
        assert ";" not in guard and "'" not in name, "adapter-pg splits a script on every ;"
        return guard + ";\n\n" + self.migration_sql(phase).rstrip() + "\n"

    # -- adopt -----------------------------------------------------------------

    def adopt(self, conn: sa.Connection, at: Phase) -> None:
        self._refuse_sqlite(conn)
        if self.directory is None:
            return
        rows = self._rows(conn)
        conn.rollback()
        if rows is None:
            raise MigrateError(f"--prisma-migrations: the database has no {TABLE} table: record its migrations "
                               f"first (prisma migrate resolve --applied NAME), then run {cli('adopt')} again")
        if not self.directory.is_dir():
            raise MigrateError(f"--prisma-migrations: {self.directory} is not a folder: pass the team's "
                               "prisma/migrations")
        for row in rows:
            if row.failed:
                raise MigrateError(f"Prisma's history has a failed migration, {row.name}: resolve it first "
                                   f"(prisma migrate resolve --rolled-back {row.name}), then run {cli('adopt')} again")
        for problem in self._files(rows, self.directory):
            raise MigrateError(f"Prisma's history is not clean: {problem}; fix that, then run {cli('adopt')} again")
        if not any(r.applied for r in rows):
            raise MigrateError(f"Prisma's history lists no applied migration: record the one that made the "
                               f"database (prisma migrate resolve --applied NAME), then run {cli('adopt')} again")

    def attachable(self, conn: sa.Connection) -> bool:
        return self.directory is not None and conn.dialect.name == "postgresql" and self._attached(conn) is None

    def adopted(self, conn: sa.Connection, at: Phase, *, since: Phase | None = None) -> None:
        if self.directory is None or conn.dialect.name != "postgresql":
            return
        since = since or at
        table = self._attachments(conn)
        with conn.begin():
            table.create(conn, checkfirst=True)
            last = max(r.name for r in self._rows(conn) or [] if r.applied)
            conn.execute(sa.delete(table).where(table.c.name == self.name))
            conn.execute(sa.insert(table).values(name=self.name, location=str(self.directory), baseline=last,
                                                 phase=since.number, attached_at=_now()))
            for number in range(since.number + 1, at.number + 1):  # the phases run since, in one transaction
                self.stamp(conn, self.project.phase(number), down=False)
        self.settle(conn)

    # -- each phase --------------------------------------------------------------

    def stamp(self, conn: sa.Connection, phase: Phase, *, down: bool) -> None:
        attached = self._attached(conn)
        where = self._where(attached)
        if attached is None or where is None:
            return
        rows = self._rows(conn) or []
        mine = [r for r in rows if self._phase_of(r.name) == phase.number]
        if down:
            for r in (r for r in mine if r.applied):
                conn.exec_driver_sql(f"DELETE FROM public.{quote(TABLE)} WHERE id = %(id)s", {"id": r.id})
                self._moving.append(r.name)
            return
        name = self._reusable(where, phase) or self._new_name(where, rows, phase)
        for r in (r for r in mine if r.failed):  # a deploy the guard stopped: the phase's row replaces it
            conn.exec_driver_sql(f"DELETE FROM public.{quote(TABLE)} WHERE id = %(id)s", {"id": r.id})
        conn.exec_driver_sql(
            f"INSERT INTO public.{quote(TABLE)} (id, checksum, finished_at, migration_name, logs, rolled_back_at, "
            "started_at, applied_steps_count) VALUES (%(id)s, %(sum)s, now(), %(name)s, NULL, NULL, now(), 0)",
            {"id": str(uuid.uuid4()), "sum": checksum(self.content(name, phase)), "name": name})

    def _reusable(self, where: Path, phase: Phase) -> str | None:
        """The phase's folder another database already wrote to DIR (committed with the team's code)."""
        for folder in sorted(where.iterdir()) if where.is_dir() else []:
            if self._phase_of(folder.name) == phase.number and (folder / "migration.sql").is_file():
                if checksum((folder / "migration.sql").read_bytes()) == checksum(self.content(folder.name, phase)):
                    return folder.name
        return None

    def _new_name(self, where: Path, rows: list[Row], phase: Phase) -> str:
        """A timestamp after every migration's, so the folder sorts last, as Prisma orders them."""
        at = datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)
        names = [r.name for r in rows] + ([f.name for f in where.iterdir()] if where.is_dir() else [])
        stamps = [datetime.strptime(n[:14], STAMP) for n in names if re.match(r"^\d{14}_", n)]
        if stamps and max(stamps) >= at:
            at = max(stamps) + timedelta(seconds=1)
        return f"{at.strftime(STAMP)}_{self.project.name}_phase{phase.number}_{phase.name}"

    def settle(self, conn: sa.Connection) -> None:
        """The folder follows the rows: each applied phase's migration.sql is there; a reversed one is moved aside."""
        attached = self._attached(conn)
        where = self._where(attached)
        rows = self._rows(conn) if attached else None
        conn.rollback()
        if attached is None or where is None or rows is None:
            self._moving.clear()
            return
        stopped = [r for r in rows if self._stopped(r)]
        if stopped:  # as `prisma migrate resolve --rolled-back` marks them: Prisma then applies nothing twice
            with conn.begin():
                for r in stopped:
                    conn.exec_driver_sql(f"UPDATE public.{quote(TABLE)} SET rolled_back_at = now() WHERE id = %(id)s",
                                         {"id": r.id})
        applied = {r.name for r in rows if r.applied}
        for name in self._moving:
            folder = where / name
            if name not in applied and folder.is_dir():
                aside = where.parent / f"{where.name}-rolled-back"
                aside.mkdir(exist_ok=True)
                target = aside / name
                if target.exists():
                    shutil.rmtree(target)
                folder.rename(target)
        self._moving.clear()
        for r in rows:
            number = self._phase_of(r.name)
            if r.applied and number is not None and number <= len(self.project.phases):
                text = self.content(r.name, self.project.phase(number))
                path = where / r.name / "migration.sql"
                if not path.exists() and checksum(text) == r.checksum:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    scratch = path.with_suffix(".sql.tmp")
                    scratch.write_bytes(text.encode())
                    scratch.replace(path)

    # -- checks --------------------------------------------------------------------

    def _files(self, rows: list[Row], where: Path) -> list[str]:
        out = []
        for r in rows:
            if not r.applied:
                continue
            path = where / r.name / "migration.sql"
            if not path.is_file():
                if self._phase_of(r.name) is None:
                    out.append(f"{r.name} is applied but missing from {where}")
            elif checksum(path.read_bytes()) != r.checksum:
                out.append(f"{r.name}/migration.sql changed since it was applied (its checksum differs)")
        return out

    def problems(self, conn: sa.Connection, at: Phase | None, *, unsettled: bool = True) -> list[str]:
        self._refuse_sqlite(conn)
        attached = self._attached(conn)
        if attached is None:
            if self.directory is not None:
                return [f"Prisma's history is not kept for this database yet: attach it with "
                        f"{cli('adopt')} --prisma-migrations DIR"]
            return []
        where = self._where(attached)
        rows = self._rows(conn)
        if rows is None:
            return [f"the database has no {TABLE} table any more (dropped, or a `prisma db push --force-reset`): "
                    f"restore the last backup ({cli('history')} names the one each run took)"]
        if not where.is_dir():
            return [f"the Prisma migrations folder {where} does not exist: pass --prisma-migrations DIR"]
        out = []
        for r in rows:
            if self._stopped(r):
                if unsettled:
                    out.append(f"a `prisma migrate deploy` tried to apply {r.name} and the guard stopped it before "
                               f"any change: {cli('up')} or {cli('down')} marks it rolled back, as prisma migrate "
                               f"resolve --rolled-back {r.name} does")
            elif r.failed:
                out.append(f"Prisma's history has a failed migration, {r.name}: resolve it (prisma migrate resolve "
                           f"--rolled-back {r.name}, or --applied once it is finished by hand)")
        now = at.number if at else 0
        applied = [r for r in rows if r.applied]
        by_phase: dict[int, list[str]] = {}
        for r in applied:
            number = self._phase_of(r.name)
            if number is not None:
                by_phase.setdefault(number, []).append(r.name)
        missing = [f"phase {n}" for n in range(attached["phase"] + 1, now + 1) if n not in by_phase]
        if attached["baseline"] and attached["baseline"] not in {r.name for r in applied}:
            missing.append(attached["baseline"])
        if missing:
            out.append(f"Prisma's history does not record what the toolkit's does (phase {now}; missing: "
                       f"{', '.join(missing)}): it was reset or rewritten (prisma migrate reset, db push?): restore "
                       f"the last backup ({cli('history')} names the one each run took)")
        for number, names in sorted(by_phase.items()):
            if number > now or number <= attached["phase"]:
                out.append(f"Prisma's history records phase {number} ({names[0]}), but the database is at phase {now}")
            elif len(names) > 1:
                out.append(f"Prisma's history records phase {number} twice: {', '.join(names)}")
        out += self._files(rows, where)
        for r in applied:
            number = self._phase_of(r.name)
            if unsettled and number is not None and not (where / r.name / "migration.sql").exists():
                out.append(f"phase {number}'s migration folder {r.name} is missing from {where}: "
                           f"{cli('up')} writes it again")
        out += [f"the team's migration {name} is not additive ({what}): the phases cannot run around it"
                for name, what in self._team(conn, attached, rows, where)[1]]
        return out

    # -- the team's own migrations ------------------------------------------------

    def _team(self, conn, attached, rows, where) -> tuple[Additions, list[tuple[str, str]]]:
        added, refused = Additions(), []
        for r in rows:
            if r.applied and self._phase_of(r.name) is None and (attached["baseline"] or "") < r.name:
                path = where / r.name / "migration.sql"
                if path.is_file():
                    more, bad = prisma_additions(path.read_text())
                    added = added | more
                    if bad:
                        refused.append((r.name, bad))
        return added, refused

    def additions(self, conn: sa.Connection) -> Additions:
        attached = self._attached(conn)
        where = self._where(attached)
        rows = self._rows(conn) if attached else None
        if attached is None or rows is None or where is None:
            return Additions()
        return self._team(conn, attached, rows, where)[0]


# -- what a Prisma migration adds --------------------------------------------------

_NAME = r'"((?:[^"]|"")+)"'
_FORMS = [
    ("table", re.compile(rf"^CREATE TABLE {_NAME}", re.I)),
    ("columns", re.compile(rf"^ALTER TABLE {_NAME}\s+(ADD COLUMN\b.*)$", re.I | re.S)),
    ("index", re.compile(rf"^CREATE (?:UNIQUE )?INDEX {_NAME} ON {_NAME}", re.I)),
    ("foreign key", re.compile(rf"^ALTER TABLE {_NAME} ADD CONSTRAINT {_NAME} FOREIGN KEY", re.I)),
    ("enum", re.compile(rf"^CREATE TYPE {_NAME} AS ENUM", re.I)),
    ("schema", re.compile(r"^CREATE SCHEMA IF NOT EXISTS", re.I)),
]


def prisma_additions(sql: str) -> tuple[Additions, str]:
    """What a migration Prisma wrote adds, and the first statement that is not an addition ('' if none)."""
    tables, columns, indexes, keys, enums = set(), set(), set(), set(), set()
    for chunk in sql.split(";"):
        statement = "\n".join(line for line in chunk.splitlines() if not line.strip().startswith("--")).strip()
        if not statement:
            continue
        for kind, form in _FORMS:
            m = form.match(statement)
            if not m:
                continue
            name = m.group(1).replace('""', '"')
            if kind == "table":
                tables.add(name)
            elif kind == "columns":
                if re.search(r"\b(DROP|RENAME|ALTER\s+COLUMN|SET|TYPE)\b", m.group(2), re.I):
                    return Additions(), statement.splitlines()[0]
                added_columns = re.findall(rf"ADD COLUMN\s+{_NAME}", m.group(2), re.I)
                columns |= {(name, c.replace('""', '"')) for c in added_columns}
            elif kind == "index":
                indexes.add((m.group(2).replace('""', '"'), name))
            elif kind == "foreign key":
                keys.add((name, m.group(2).replace('""', '"')))
            elif kind == "enum":
                enums.add(name)
            break
        else:
            return Additions(), statement.splitlines()[0]
    return Additions(frozenset(tables), frozenset(columns), frozenset(indexes), frozenset(keys), frozenset(enums)), ""


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
