"""`gaingrid serve`: it starts uvicorn on the app, and refuses a bad configuration in one line."""
from __future__ import annotations

import subprocess
import sys
import time

import httpx
from typer.testing import CliRunner

from gaingrid.cli import app as cli_app
from gaingrid.testing.net import free_port

from .conftest import sqlite_only

runner = CliRunner()


@sqlite_only
def test_serve_answers_over_http(database):
    url, port = database(6), free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", "from gaingrid.cli import main; main()", "serve", "--port", str(port),
         "--database-url", url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, body = time.monotonic() + 20, None
        while time.monotonic() < deadline and body is None:
            try:
                body = httpx.get(f"http://127.0.0.1:{port}/status", timeout=1).json()
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read()
                time.sleep(0.1)
        assert body is not None and (body["status"], body["phase"]) == ("ok", 6)
        assert httpx.get(f"http://127.0.0.1:{port}/docs", timeout=2).status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_refuses_a_bad_configuration(monkeypatch):
    monkeypatch.setenv("GAINGRID_TOKEN_SECRET", "short")
    result = runner.invoke(cli_app, ["serve", "--database-url", "sqlite:///x.db"])
    assert result.exit_code == 1
    assert result.output == ("error: GAINGRID_TOKEN_SECRET: Value error, the token secret must be at least "
                             "32 characters\n")
    monkeypatch.delenv("GAINGRID_TOKEN_SECRET")
    result = runner.invoke(cli_app, ["serve", "--database-url", "oracle://db/x"])
    assert result.exit_code == 1 and result.output.startswith("error: GAINGRID_DATABASE_URL: ")
