"""`gaingrid serve` in a subprocess, for tests that need a real HTTP server (concurrency, the CLI)."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from gaingrid.testing.net import free_port

from .conftest import FAST_HASHING, NO_RATE_LIMITS, SECRET


@contextmanager
def served(url: str, **settings: str) -> Iterator[str]:
    """The base URL of `gaingrid serve` on `url`, once it answers /status; stopped afterwards."""
    port = free_port()
    env = {**os.environ, "GAINGRID_TOKEN_SECRET": SECRET,
           **{f"GAINGRID_{k.upper()}": str(v) for k, v in {**FAST_HASHING, **NO_RATE_LIMITS, **settings}.items()}}
    # The server's log goes to a file: a pipe nobody reads would fill up and stall the server.
    log = tempfile.TemporaryFile("w+")
    server = subprocess.Popen(
        [sys.executable, "-c", "from gaingrid.cli import main; main()", "serve", "--port", str(port),
         "--database-url", url], stdout=log, stderr=subprocess.STDOUT, text=True, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/status", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, _read(log)
                assert time.monotonic() < deadline, "the server did not start in 30 s"
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def _read(log) -> str:
    log.seek(0)
    return log.read()
