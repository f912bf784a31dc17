"""Does a failed login's time tell whether the account exists, or what hash it has?

    python bench/login_timing.py [--tries 30] [--db sqlite|postgresql]

Serves a demo database (legacy users with the Prisma app's bcrypt hashes) with
`gaingrid serve` at the production argon2 cost, and times POST /auth/login
with a wrong password for three kinds of account, interleaved so that any
drift of the machine hits all three alike:

- an unknown email (the baseline),
- a legacy user, whose stored hash is bcrypt (cost 10, as bcryptjs wrote it),
- a user with an argon2id hash.

Prints each median and its ratio to the baseline, and the spread: the largest
median over the smallest. Target: under 1.10 (a difference under 10%).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from gaingrid.data.demo_pools import DEMO_ACCOUNTS  # noqa: E402
from gaingrid.phases import GAINGRID  # noqa: E402
from gaingrid.testing import pg_server  # noqa: E402
from phased.lifecycle.commands import Migrator
from tests.api.server import served  # noqa: E402
from tests.harness import legacy_database  # noqa: E402

PRODUCTION_COST = {"argon2_time_cost": 3, "argon2_memory_kib": 64 * 1024}  # the service's defaults
WRONG = "not the password"


def measure(base: str, tries: int) -> dict[str, list[float]]:
    kinds = {"unknown email": "nobody@example.com", "legacy bcrypt user": DEMO_ACCOUNTS[1][0],
             "argon2 user": "argon2-user@example.com"}
    times: dict[str, list[float]] = {k: [] for k in kinds}
    with httpx.Client(base_url=base, timeout=30) as http:
        http.post("/auth/register", json={"email": kinds["argon2 user"], "password": "a good password"})
        for round_ in range(tries + 3):
            for kind, email in kinds.items():
                started = time.perf_counter()
                r = http.post("/auth/login", json={"email": email, "password": WRONG})
                elapsed = time.perf_counter() - started
                assert r.status_code == 401, r.text
                if round_ >= 3:  # the first rounds warm up connections and caches
                    times[kind].append(elapsed)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=30)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    with ExitStack() as stack:
        if args.db == "sqlite":
            url = f"sqlite:///{stack.enter_context(tempfile.TemporaryDirectory()) }/bench.db"
        else:
            url = pg_server.create_database(stack.enter_context(pg_server.temporary_server()))
        legacy_database(url)
        Migrator(GAINGRID, url).up()
        base = stack.enter_context(served(url, **PRODUCTION_COST))
        times = measure(base, args.tries)
    medians = {kind: statistics.median(t) * 1000 for kind, t in times.items()}
    baseline = medians["unknown email"]
    print(f"login with a wrong password, {args.tries} tries each, {args.db}, argon2 t=3 m=64 MiB, bcrypt cost 10")
    for kind, ms in medians.items():
        print(f"  {kind:<20} median {ms:7.1f} ms   {ms / baseline:5.3f} x unknown email")
    spread = max(medians.values()) / min(medians.values())
    print(f"  spread (max/min)     {spread:.3f}   ({(spread - 1) * 100:.1f}% difference; target under 10%)")


if __name__ == "__main__":
    main()
