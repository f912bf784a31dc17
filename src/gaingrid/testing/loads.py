"""Application loads for the online harness, each recording one Op per operation.

- `PrismaLegacyApp`: the real legacy app, the Prisma client generated from
  legacy.prisma (legacy_app/load.js), on PostgreSQL.
- `SqliteLegacyApp`: the same transaction shapes on SQLite, with the SQL
  statements Prisma sends (Prisma's legacy schema names PostgreSQL, so there
  is no Prisma client for a SQLite legacy database); writes use BEGIN
  IMMEDIATE, as a SQLite app that writes from several threads must.
- `NewApp`: the new app, through the HTTP API (`gaingrid serve`): workout
  logs created, edited, deleted and listed by its own users.
"""
from __future__ import annotations

import fcntl
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from gaingrid.data.demo_pools import DEMO_ACCOUNTS, DEMO_PASSWORD

from .net import free_port

LEGACY_APP = Path(__file__).parent / "legacy_app"
APPLICATION_NAME = "gaingrid-legacy-app"  # how the harness finds the app's sessions in pg_stat_activity
RACE = "race: row deleted by another worker"
RETIRED = "retired: the legacy table is gone (phase 7)"


@dataclass(frozen=True)
class Op:
    t: float  # seconds since the epoch, when it started
    ms: float
    op: str
    err: str | None  # None: it succeeded
    msg: str | None = None
    app: str = "legacy"


class LegacyAppUnavailable(RuntimeError):
    pass


def prepare_legacy_app() -> Path:
    """Install the pinned Prisma (npm ci) and generate the client from legacy.prisma, once."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise LegacyAppUnavailable("the legacy app needs Node.js 20 and npm on PATH")
    marker = LEGACY_APP / "node_modules" / ".prisma" / "client" / "index.js"
    lock = LEGACY_APP / "package-lock.json"
    # The suite's workers (pytest-xdist) may all ask at once: one installs, the others wait for it.
    with open(LEGACY_APP / ".prepare.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        if not marker.exists() or marker.stat().st_mtime < lock.stat().st_mtime:
            env = {**os.environ, "DATABASE_URL": "postgresql://unused@localhost/unused"}
            for cmd in (["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], ["npx", "prisma", "generate"]):
                done = subprocess.run(cmd, cwd=LEGACY_APP, env=env, capture_output=True, text=True)
                if done.returncode != 0:
                    raise LegacyAppUnavailable(f"{' '.join(cmd)} failed: {(done.stderr or done.stdout).strip()[-500:]}")
    return LEGACY_APP


def prisma(args: list[str], url: str, schema: Path | None = None) -> subprocess.CompletedProcess:
    """The pinned Prisma CLI (the same one the legacy app uses), on `url`."""
    prepare_legacy_app()
    cli = LEGACY_APP / "node_modules" / ".bin" / "prisma"  # not `npx prisma`: npx adds about 0.4 s to each call
    command = [str(cli), *args] + (["--schema", str(schema)] if schema else [])
    return subprocess.run(command, cwd=LEGACY_APP, env={**os.environ, "DATABASE_URL": libpq_url(url)},
                          capture_output=True, text=True, timeout=120)


def client_schema(datamodel: str) -> str:
    """A copy of a spec schema the pinned CLI can read: its generator selects the engine-less client."""
    return datamodel.replace('provider = "prisma-client-js"', 'provider = "prisma-client-js"\n  engineType = "client"', 1)


def libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


class PrismaLegacyApp:
    def __init__(self, url: str, *, workers: int = 8, think_ms: int = 20, seed: int = 1) -> None:
        self.url, self.workers, self.think_ms, self.seed = libpq_url(url), workers, think_ms, seed
        self._out = Path(tempfile.mkstemp(prefix="gaingrid-legacy-", suffix=".jsonl")[1])
        self._proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "DATABASE_URL": self.url, "WORKERS": str(self.workers), "THINK_MS": str(self.think_ms),
               "SEED": str(self.seed), "OUT": str(self._out)}
        self._proc = subprocess.Popen(["node", str(prepare_legacy_app() / "load.js")], cwd=LEGACY_APP, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self._proc.stdout.readline()
        if line.strip() != "ready":
            self._proc.wait(10)
            raise LegacyAppUnavailable(f"the legacy app did not start: {self._proc.stderr.read()[-800:]}")

    def stop(self) -> list[Op]:
        assert self._proc is not None
        self._proc.send_signal(signal.SIGTERM)
        try:
            _, err = self._proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            raise LegacyAppUnavailable("the legacy app did not stop within 60 s") from None
        if self._proc.returncode != 0:
            raise LegacyAppUnavailable(f"the legacy app failed: {err[-800:]}")
        ops = [Op(r["t"] / 1000, r["ms"], r["op"], r["err"], r["msg"]) for r in map(json.loads, self._out.open())]
        self._out.unlink(missing_ok=True)
        return ops


# -- SQLite: the same shapes, the statements Prisma sends -------------------------------

# The workouts of the demo accounts, which the new app's load logs in as: both apps write them.
SHARED_USERS_WORKOUTS = ('JOIN "User" u ON u.id = w."userId" AND u.email IN '
                         "('demo1@example.com', 'demo2@example.com', 'demo3@example.com') "
                         'LEFT JOIN "WorkoutExercise" s ON s."workoutId" = w.id')


def _ts(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S.%f")


def _cuid(rng: random.Random) -> str:
    return "c" + format(int(time.time() * 1000), "x")[-8:].rjust(8, "0") + format(rng.getrandbits(64), "016x")


class _WorkerThreads:
    """Worker threads, each with its own seeded random source, that record one Op per
    operation until `stop()`, which returns every Op in time order."""

    def __init__(self, workers: int, think_ms: int, seed: int) -> None:
        self.workers, self.think_ms = workers, think_ms
        self._rng = random.Random(seed)
        self._stop = threading.Event()
        self._ops: list[Op] = []
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def _spawn(self, *args) -> None:
        thread = threading.Thread(target=self._work, args=(*args, random.Random(self._rng.random())), daemon=True)
        thread.start()
        self._threads.append(thread)

    def _record(self, op: Op, rng: random.Random) -> None:
        """Keep the operation's outcome, then think, as a user of the app would."""
        with self._lock:
            self._ops.append(op)
        time.sleep(self.think_ms / 1000 * (0.5 + rng.random()))

    def stop(self) -> list[Op]:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        return sorted(self._ops, key=lambda o: o.t)


class SqliteLegacyApp(_WorkerThreads):
    SHAPES = (("create", 15), ("exercise", 25), ("move", 15), ("delete", 5), ("edit", 10), ("read", 30))

    def __init__(self, path: str, *, workers: int = 8, think_ms: int = 20, seed: int = 1, busy_ms: int = 5000) -> None:
        super().__init__(workers, think_ms, seed)
        self.path, self.busy_ms = path, busy_ms
        self._workouts: dict[str, list[str]] = {}
        self._users: list[str] = []
        self._exercises: list[str] = []

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=self.busy_ms / 1000, check_same_thread=False)
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def start(self) -> None:
        conn = self._connect()
        for wid, eid in conn.execute(f'SELECT w.id, s.id FROM (SELECT id FROM "Workout" ORDER BY random() LIMIT 4000) w '
                                     'LEFT JOIN "WorkoutExercise" s ON s."workoutId" = w.id '
                                     f'UNION SELECT w.id, s.id FROM "Workout" w {SHARED_USERS_WORKOUTS}'):
            self._workouts.setdefault(wid, []).extend([eid] if eid else [])
        self._users = [r[0] for r in conn.execute('SELECT id FROM "User" ORDER BY random() LIMIT 500')]
        self._exercises = [r[0] for r in conn.execute('SELECT id FROM "Exercise" ORDER BY random() LIMIT 200')]
        conn.close()
        for _ in range(self.workers):
            self._spawn()

    def _some_workout(self, rng: random.Random) -> str | None:
        with self._lock:
            return rng.choice(list(self._workouts)) if self._workouts else None

    def _some_exercise(self, rng: random.Random) -> tuple[str | None, str | None]:
        for _ in range(10):
            w = self._some_workout(rng)
            with self._lock:
                children = self._workouts.get(w) if w else None
                if children:
                    return w, rng.choice(children)
        return None, None

    def _when(self, rng: random.Random) -> str:
        return _ts(datetime(2025, 1, 1, 6) + timedelta(days=rng.randrange(365), hours=rng.randrange(14)))

    def _work(self, rng: random.Random) -> None:
        conn = self._connect()
        names, weights = zip(*self.SHAPES)
        while not self._stop.is_set():
            op = rng.choices(names, weights)[0]
            started, t = time.perf_counter(), time.time()
            err = msg = None
            try:
                getattr(self, "_" + op)(conn, rng)
            except _Race:
                err = RACE
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                err, msg = ("database locked" if "locked" in str(exc) else RETIRED if "no such table" in str(exc)
                            else "other"), str(exc)
            self._record(Op(t, (time.perf_counter() - started) * 1000, op, err, msg), rng)
        conn.close()

    def _tx(self, conn: sqlite3.Connection, statements: list[tuple[str, tuple]]) -> list[int]:
        conn.execute("BEGIN IMMEDIATE")
        counts = [conn.execute(sql, args).rowcount for sql, args in statements]
        conn.execute("COMMIT")
        return counts

    def _create(self, conn, rng) -> None:
        now, wid = _ts(datetime.utcnow()), _cuid(rng)
        children = [_cuid(rng) for _ in range(3)]
        rows = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?)"] * 3)
        args = [v for c in children for v in (c, wid, rng.choice(self._exercises), 3, rng.randrange(5, 11),
                                               float(rng.randrange(20, 120)), now, now)]
        self._tx(conn, [
            ('INSERT INTO "Workout" ("id","userId","name","date","createdAt","updatedAt") VALUES (?,?,?,?,?,?)',
             (wid, rng.choice(self._users), "Load test", self._when(rng), now, now)),
            ('INSERT INTO "WorkoutExercise" ("id","workoutId","exerciseId","sets","reps","weight","createdAt",'
             f'"updatedAt") VALUES {rows}', tuple(args))])
        with self._lock:
            self._workouts[wid] = children

    def _exercise(self, conn, rng) -> None:
        _, eid = self._some_exercise(rng)
        if eid and self._tx(conn, [('UPDATE "WorkoutExercise" SET "reps" = ?, "weight" = ?, "updatedAt" = ? WHERE '
                                    '"id" = ?', (rng.randrange(1, 13), float(rng.randrange(10, 160)),
                                                 _ts(datetime.utcnow()), eid))]) == [0]:
            raise _Race

    def _move(self, conn, rng) -> None:
        wid = self._some_workout(rng)
        if wid and self._tx(conn, [('UPDATE "Workout" SET "date" = ?, "updatedAt" = ? WHERE "id" = ?',
                                    (self._when(rng), _ts(datetime.utcnow()), wid))]) == [0]:
            raise _Race

    def _delete(self, conn, rng) -> None:
        wid = self._some_workout(rng)
        if not wid:
            return
        with self._lock:
            self._workouts.pop(wid, None)
        if self._tx(conn, [('DELETE FROM "Workout" WHERE "id" = ?', (wid,))]) == [0]:
            raise _Race

    def _edit(self, conn, rng) -> None:
        wid, eid = self._some_exercise(rng)
        if not eid:
            return
        now = _ts(datetime.utcnow())
        counts = self._tx(conn, [
            ('UPDATE "WorkoutExercise" SET "sets" = ?, "updatedAt" = ? WHERE "id" = ?', (rng.randrange(1, 7), now, eid)),
            ('UPDATE "Workout" SET "date" = ?, "updatedAt" = ? WHERE "id" = ?', (self._when(rng), now, wid))])
        if 0 in counts:
            raise _Race

    def _read(self, conn, rng) -> None:
        wid = self._some_workout(rng)
        if wid:
            conn.execute('SELECT * FROM "Workout" WHERE "id" = ?', (wid,)).fetchall()
            conn.execute('SELECT * FROM "WorkoutExercise" WHERE "workoutId" = ?', (wid,)).fetchall()


class _Race(Exception):
    """The row was deleted by another worker first (Prisma answers P2025)."""


# -- the new app, through the HTTP API ---------------------------------------------------

class NewApp(_WorkerThreads):
    """Users of the new app logging workouts through `gaingrid serve`. Before phase 5 the
    logs endpoints answer 503 (the table does not exist yet): counted apart, not as failures."""

    UNAVAILABLE = "unavailable: logs need phase 5"

    def __init__(self, url: str, exercises: list[str], *, workers: int = 2, think_ms: int = 50, seed: int = 2,
                 shared: bool = False) -> None:
        """`shared`: the workers log in as the demo accounts, whose workouts the legacy load writes too,
        and edit and delete the logs they list, not only their own."""
        super().__init__(workers, think_ms, seed)
        self.url, self.exercises, self.shared = url, exercises, shared
        self._server: subprocess.Popen | None = None
        self.created: set[str] = set()  # ids of logs this app wrote: they have no legacy source

    def start(self) -> None:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        port = free_port()
        gaingrid = str(Path(sys.executable).with_name("gaingrid"))
        env = {**os.environ, "GAINGRID_DATABASE_URL": self.url, "GAINGRID_TOKEN_SECRET": uuid.uuid4().hex * 2}
        self._server = subprocess.Popen([gaingrid, "serve", "--port", str(port), "--host", "127.0.0.1"], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/status", timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self._server.poll() is not None:
                raise RuntimeError(f"gaingrid serve did not start: {self._server.stderr.read()[-500:] if self._server.poll() is not None else 'timeout'}")
            time.sleep(0.2)
        for n in range(self.workers):
            client = httpx.Client(base_url=base, timeout=30)
            if self.shared and n < len(DEMO_ACCOUNTS):  # a user the legacy app writes for too
                email, password = DEMO_ACCOUNTS[n][0], DEMO_PASSWORD
            else:
                email, password = f"load-{uuid.uuid4().hex[:8]}@example.com", uuid.uuid4().hex
                _until_served(lambda: client.post("/auth/register", json={"email": email, "password": password}))
            token = _until_served(lambda: client.post("/auth/login", json={"email": email, "password": password})).json()
            client.headers["Authorization"] = f"Bearer {token['accessToken']}"
            self._spawn(client)

    def stop(self) -> list[Op]:
        ops = super().stop()
        if self._server:
            self._server.terminate()
            self._server.wait(10)
        return ops

    def _work(self, client: httpx.Client, rng: random.Random) -> None:
        mine: list[str] = []
        while not self._stop.is_set():
            op = rng.choices(["create", "edit", "delete", "list"], [40, 30, 10, 20])[0]
            started, t = time.perf_counter(), time.time()
            err = msg = None
            try:
                response = self._call(client, rng, op, mine)
                if response is not None and response.status_code == 503 and "phase" in response.text:
                    err = self.UNAVAILABLE
                elif response is not None and response.status_code >= 400:
                    err, msg = f"HTTP {response.status_code}", response.text[:200]
            except httpx.HTTPError as exc:
                err, msg = "transport", str(exc)
            self._record(Op(t, (time.perf_counter() - started) * 1000, op, err, msg, app="new"), rng)
        client.close()

    def _call(self, client: httpx.Client, rng: random.Random, op: str, mine: list[str]):
        if op == "create" or not mine:
            r = client.post("/logs", json={"exerciseId": rng.choice(self.exercises), "date": "2026-11-20T07:30:00Z",
                                           "sets": 3, "reps": rng.randrange(1, 13), "weight": 60.0})
            if r.status_code == 201:
                mine.append(r.json()["id"])
                with self._lock:
                    self.created.add(mine[-1])
            return r
        if op == "edit":
            log = rng.choice(mine)
            r = client.patch(f"/logs/{log}", json={"reps": rng.randrange(1, 13), "rating": rng.randrange(1, 6)})
            if r.status_code == 404:  # deleted by the other app in between
                mine.remove(log)
                return None
            return r
        if op == "delete":
            r = client.delete(f"/logs/{mine.pop(rng.randrange(len(mine)))}")
            return None if r.status_code == 404 else r  # deleted by the other app in between
        r = client.get("/logs", params={"limit": 20})
        if self.shared and r.status_code == 200:  # what the legacy app wrote becomes ours to edit too
            mine.extend(i["id"] for i in r.json()["items"][:5] if i["id"] not in mine)
        return r


def _until_served(call, patience: float = 20.0) -> httpx.Response:
    """A set-up request, tried again while the service answers 503 (busy), as a client would."""
    deadline = time.monotonic() + patience
    while True:
        response = call()
        if response.status_code != 503 or time.monotonic() > deadline:
            return response.raise_for_status()
        time.sleep(0.2)
