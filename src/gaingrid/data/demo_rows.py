"""The row generator behind ``demo_data.generate_demo_data``.

Generation is time-major: days are walked in order and, within a day,
workouts in createdAt order. So ids (cuids lead with createdAt) grow in
insertion order as they do in production, the primary-key index only ever
appends, and Workout/WorkoutExercise stream out in bounded chunks.

Three seeded RNG streams keep this reproducible: the data stream
(``random.Random(seed)``), the schedule stream (replayed twice: once to count
rows for progress totals, once to generate) and the id stream. Timestamps
are integers (ms since the epoch, UTC) until formatted, never the clock.
"""
from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Iterator

from gaingrid.data import demo_pools as pools
from gaingrid.data.catalog import CatalogExercise
from gaingrid.data.ids import CuidFactory

if TYPE_CHECKING:
    from gaingrid.data.demo_data import DemoDataOptions

ANCHOR = dt.datetime(2026, 6, 1)  # "today" of the demo data, UTC naive
CHUNK_ROWS = 20_000
DAY_MS = 86_400_000

TABLES = ("User", "Exercise", "Workout", "WorkoutExercise")
COLUMNS = {
    "User": ("id", "email", "name", "password", "createdAt", "updatedAt"),
    "Exercise": ("id", "name", "description", "category", "createdAt", "updatedAt"),
    "Workout": ("id", "userId", "name", "date", "notes", "createdAt", "updatedAt"),
    "WorkoutExercise": ("id", "workoutId", "exerciseId", "sets", "reps", "weight", "time",
                        "notes", "createdAt", "updatedAt"),
}
SETS = (1, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 6)


def _ms(moment: dt.datetime) -> int:
    return (moment - dt.datetime(1970, 1, 1)) // dt.timedelta(milliseconds=1)


class _Timestamps:
    """ms since epoch -> 'YYYY-MM-DD HH:MM:SS.ffffff', the text SQLAlchemy's
    SQLite DateTime stores and PostgreSQL parses.

    Formatting is the hottest step of generation; consecutive calls mostly
    fall in the same second, so the text up to the second is reused.
    """

    _MILLIS = [f".{m:03d}000" for m in range(1000)]

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def __call__(self, ms: int) -> str:
        second, milli = divmod(ms, 1000)
        if second != self._second:
            self._second = second
            self._prefix = (dt.datetime(1970, 1, 1) + dt.timedelta(seconds=second)).isoformat(" ")
        return self._prefix + self._MILLIS[milli]


class _User:
    __slots__ = ("id", "split", "names", "favorites", "turn", "strength", "gain",
                 "daily", "start_minute", "loads", "chatty")


class DemoRows:
    """The rows of one demo data set, generated in insertable chunks."""

    def __init__(self, options: DemoDataOptions, catalog: tuple[CatalogExercise, ...]) -> None:
        self.o = options
        self.rng = random.Random(options.seed)
        self.ids = CuidFactory(random.Random(f"gaingrid-demo:{options.seed}:ids"))
        self.ts = _Timestamps()
        self.anchor_ms = _ms(ANCHOR)
        year, month = divmod(ANCHOR.year * 12 + ANCHOR.month - 1 - options.months, 12)
        self.start_day = _ms(dt.datetime(year, month + 1, 1)) // DAY_MS
        self.days = self.anchor_ms // DAY_MS - self.start_day
        self.exercises = self._pick_exercises(catalog)
        self.exercise_ids: list[str] = []
        self.pools = self._pools()
        self.users = [self._new_user() for _ in range(options.users)]

    # -- setup ------------------------------------------------------------
    def _pick_exercises(self, catalog):
        if self.o.exercises is None:
            chosen = catalog
        else:
            keep = sorted(self.rng.sample(range(len(catalog)), self.o.exercises))
            chosen = tuple(catalog[i] for i in keep)
        return chosen

    def _pools(self) -> dict[str, list[int]]:
        """Template key -> indices of the exercises that fit it (never empty)."""
        out = {}
        for key, _names, (how, values) in pools.WORKOUT_TYPES:
            if how == "muscles":
                fits = [i for i, e in enumerate(self.exercises) if e.source_category in pools.STRENGTH_FAMILY
                        and (values is None or any(m in values for m in e.muscles))]
            else:
                fits = [i for i, e in enumerate(self.exercises) if e.source_category in values]
            out[key] = fits or list(range(len(self.exercises)))
        return out

    def _new_user(self) -> _User:
        rng, u = self.rng, _User()
        u.split = rng.choices([s for s, _ in pools.SPLITS], [w for _, w in pools.SPLITS])[0]
        u.names = {key: rng.choice(names) for key, names, _ in pools.WORKOUT_TYPES}
        if rng.random() < 0.08:  # some people never name their workouts
            u.names = dict.fromkeys(u.names)
        u.favorites = {k: rng.sample(self.pools[k], min(len(self.pools[k]), rng.randint(6, 12)))
                       for k in u.split}
        u.turn = rng.randrange(len(u.split))
        u.strength = rng.uniform(0.5, 1.5)
        u.gain = rng.uniform(0.0, 0.3)  # load progression over the whole period
        u.chatty = rng.uniform(0.0, 0.12)
        u.start_minute = rng.choice((6 * 60 + 30, 7 * 60, 12 * 60, 17 * 60, 18 * 60, 19 * 60 + 30))
        # Expected workouts per weekday, preferred days three times as likely;
        # the mean over a week is the user's workouts per day.
        per_day = self.o.workouts_per_user * rng.uniform(0.4, 1.6) / self.days
        prefs = [3.0 if rng.random() < 0.5 else 1.0 for _ in range(7)]
        u.daily = [per_day * p * 7 / sum(prefs) for p in prefs]
        u.loads = {}
        return u

    # -- schedule (its own RNG stream, replayed) -------------------------
    def _schedule(self) -> Iterator[tuple[int, list[tuple[int, int, int, int]]]]:
        """Per day: its workouts as (createdAt, date, user index, exercise count), in createdAt order."""
        rng = random.Random(f"gaingrid-demo:{self.o.seed}:schedule")
        spread = (-2, -1, -1, 0, 0, 0, 1, 1, 2)
        avg = self.o.exercises_per_workout
        for day in range(self.start_day, self.start_day + self.days):
            weekday, day_ms, todays = (day + 3) % 7, day * DAY_MS, []  # 1970-01-01 was a Thursday
            for ui, u in enumerate(self.users):
                expected = u.daily[weekday]
                n = int(expected) + (rng.random() < expected % 1)
                for _ in range(n):
                    minute = min(22 * 60, max(5 * 60, u.start_minute + rng.randint(-60, 60)))
                    date = day_ms + minute * 60_000
                    created = date + rng.randint(30, 100) * 60_000 + rng.randrange(600_000)
                    todays.append((created, date, ui, max(1, avg + rng.choice(spread))))
            todays.sort()
            yield day, todays

    def totals(self) -> dict[str, int]:
        """Rows per table, known before generating, by replaying the schedule."""
        workouts = sets = 0
        for _day, todays in self._schedule():
            workouts += len(todays)
            sets += sum(w[3] for w in todays)
        return {"User": len(self.users), "Exercise": len(self.exercises), "Workout": workouts,
                "WorkoutExercise": sets}

    # -- rows -------------------------------------------------------------
    def _updated(self, created: int, p: float, max_delay_ms: int) -> int:
        if self.rng.random() >= p:
            return created
        return min(self.anchor_ms, created + self.rng.randrange(60_000, max_delay_ms))

    def batches(self) -> Iterator[tuple[str, list[tuple]]]:
        yield "Exercise", self._exercise_rows()
        user_rows = self._user_rows()
        for i in range(0, len(user_rows), CHUNK_ROWS):
            yield "User", user_rows[i:i + CHUNK_ROWS]
        workouts, sets = [], []
        for day, todays in self._schedule():
            for created, date, ui, n in todays:
                self._workout(workouts, sets, day, created, date, self.users[ui], n)
            if len(sets) >= CHUNK_ROWS:
                yield "Workout", workouts
                yield "WorkoutExercise", sets
                workouts, sets = [], []
        if workouts:
            yield "Workout", workouts
            yield "WorkoutExercise", sets

    def _exercise_rows(self) -> list[tuple]:
        # The catalog was imported in one go a while before the first user signed up.
        created = (self.start_day - 150) * DAY_MS + 9 * 3_600_000
        rows = []
        for e in self.exercises:
            created += self.rng.randint(1, 4)
            eid = self.ids.new(created)
            self.exercise_ids.append(eid)
            updated = self._updated(created, 0.03, 200 * DAY_MS)
            rows.append((eid, e.name, e.description, e.category, self.ts(created), self.ts(updated)))
        return rows

    def _user_rows(self) -> list[tuple]:
        rng, start_ms = self.rng, self.start_day * DAY_MS
        signups = sorted(start_ms - rng.randrange(DAY_MS, 120 * DAY_MS) for _ in self.users)
        rows, taken = [], set()
        for i, (u, created) in enumerate(zip(self.users, signups)):
            first, last = rng.choice(pools.FIRST_NAMES), rng.choice(pools.LAST_NAMES)
            local = f"{pools.ascii_slug(first)}.{pools.ascii_slug(last)}"
            n = 1
            while local + ("" if n == 1 else str(n)) in taken:  # membership only: order-free
                n += 1
            local += "" if n == 1 else str(n)
            taken.add(local)
            email = f"{local}@{rng.choice(pools.EMAIL_DOMAINS)}"
            name = None if rng.random() < 0.04 else f"{first} {last}"
            password = "$2b$10$" + "".join(rng.choices(pools.BCRYPT_ALPHABET, k=53))
            if i < len(pools.DEMO_ACCOUNTS):  # after the draws above, so every other row stays as it was
                email, password = pools.DEMO_ACCOUNTS[i]
            u.id = self.ids.new(created)
            updated = self._updated(created, 0.3, 300 * DAY_MS)
            rows.append((u.id, email, name, password, self.ts(created), self.ts(updated)))
        return rows

    def _workout(self, workouts, sets, day, created, date, u: _User, n: int) -> None:
        # The hot loop: plain rng.random() arithmetic instead of choice/randint,
        # which cost several Python-level calls each.
        rng, rand, ts, ex, notes_pool = self.rng, self.rng.random, self.ts, self.exercises, pools.SET_NOTES
        key = u.split[u.turn % len(u.split)]
        u.turn += 1
        name = None if rand() < 0.03 else u.names[key]
        notes = rng.choice(pools.WORKOUT_NOTES) if rand() < 0.15 else None
        wid = self.ids.new(created)
        created_text = ts(created)
        updated = self._updated(created, 0.1, 3 * DAY_MS)
        workouts.append((wid, u.id, name, ts(date), notes, created_text,
                         created_text if updated == created else ts(updated)))
        favorites = u.favorites[key]
        picks = rng.sample(favorites, n) if n <= len(favorites) else rng.choices(self.pools[key], k=n)
        if n > 2 and key not in ("cardio", "mobility") and rand() < 0.25:
            picks[-1] = rng.choice(self.pools["cardio" if rand() < 0.5 else "mobility"])
        growth = 1 + u.gain * (day - self.start_day) / self.days
        for i, xi in enumerate(picks):
            e = ex[xi]
            kind, weight, time = e.kind, None, None
            if kind == "cardio":
                n_sets, reps, time = 1, 1, 10 + 5 * int(rand() * 11)
            elif kind == "stretch" or kind == "hold":
                n_sets, reps, time = 1 + int(rand() * 3), 1, 1 + int(rand() * (10 if kind == "stretch" else 3))
            else:
                n_sets, reps = SETS[int(rand() * len(SETS))], e.reps[int(rand() * len(e.reps))]
                if e.base_kg is not None:
                    weight = self._load(u, xi, e.base_kg, growth)
            wcreated = created + i + 1  # nested create: the rows follow their workout
            set_notes = notes_pool[int(rand() * len(notes_pool))] if rand() < u.chatty else None
            text = ts(wcreated)
            if rand() < 0.05:  # edited later
                text_updated = ts(min(self.anchor_ms, wcreated + 60_000 + int(rand() * 2 * DAY_MS)))
            else:
                text_updated = text
            sets.append((self.ids.new(wcreated), wid, self.exercise_ids[xi], n_sets, reps, weight, time,
                         set_notes, text, text_updated))

    def _load(self, u: _User, xi: int, base_kg: float, growth: float) -> float:
        start = u.loads.get(xi)
        if start is None:
            start = u.loads[xi] = base_kg * u.strength * self.rng.uniform(0.8, 1.2)
        kg = start * growth * (0.93 + 0.12 * self.rng.random())
        step = 0.5 if kg >= 10 else 0.25  # plates vs. small dumbbells; both exact in binary
        return max(step, round(kg / step) * step)
