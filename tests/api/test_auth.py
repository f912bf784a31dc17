"""Legacy (bcrypt) logins, token revocation, password change and operator reset, rate and size limits."""
from __future__ import annotations

import logging

import bcrypt
import pytest
from typer.testing import CliRunner

from gaingrid.api import Settings, create_app
from gaingrid.api.passwords import Passwords
from gaingrid.cli import app as cli_app
from gaingrid.data.demo_pools import DEMO_ACCOUNTS, DEMO_PASSWORD
from gaingrid.phases import GAINGRID
from phased.lifecycle.commands import Migrator
from tests.harness import legacy_database

from .conftest import PASSWORD, SECRET, make_api, sqlite_only

runner = CliRunner()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def stored_hash(api, email: str) -> str:
    return api.sql('SELECT password FROM "User" WHERE email = :e', e=email)[0][0]


@pytest.fixture
def demo_api(backend, templates):
    """The app on a demo database (legacy users with bcrypt hashes) migrated to phase 6."""
    url = templates.new_database(backend, "demo")
    legacy_database(url)
    Migrator(GAINGRID, url).up()
    api = make_api(url)
    yield api
    api.client.app.state.engine.dispose()


def test_a_demo_legacy_user_logs_in_and_their_hash_becomes_argon2id(demo_api):
    email = DEMO_ACCOUNTS[0][0]
    assert stored_hash(demo_api, email) == DEMO_ACCOUNTS[0][1]  # as the Prisma app wrote it
    assert demo_api.login(email, "not the password").status_code == 401
    assert stored_hash(demo_api, email) == DEMO_ACCOUNTS[0][1]

    r = demo_api.login(email, DEMO_PASSWORD)
    assert r.status_code == 200, r.text
    upgraded = stored_hash(demo_api, email)
    assert upgraded.startswith("$argon2id$")
    assert demo_api.client.get("/me", headers=bearer(r.json()["accessToken"])).json()["email"] == email
    # The token issued with the rehash stays valid, and the argon2 hash now logs in.
    again = demo_api.login(email, DEMO_PASSWORD)
    assert again.status_code == 200 and stored_hash(demo_api, email) == upgraded
    assert demo_api.client.get("/me", headers=bearer(r.json()["accessToken"])).status_code == 200


@sqlite_only
def test_bcryptjs_hashes_count_only_the_first_72_bytes(api_at):
    """bcryptjs truncated long passwords; the bcrypt package refuses them. Legacy users must still get in."""
    api = api_at(1)
    long_password = "ü" * 40  # 80 bytes in UTF-8
    hashed = bcrypt.hashpw(long_password.encode()[:72], bcrypt.gensalt(10)).decode()
    for i, prefix in enumerate(("$2a$", "$2b$")):
        api.sql('INSERT INTO "User" (id, email, password, "createdAt", "updatedAt") VALUES '
                "(:id, :e, :p, '2024-01-01 00:00:00', '2024-01-01 00:00:00')",
                id=f"legacy{i}", e=f"old{i}@example.com", p=prefix + hashed[4:])
        assert api.login(f"old{i}@example.com", long_password).status_code == 200
        assert Passwords(1, 1024).check(stored_hash(api, f"old{i}@example.com"), long_password) == (True, None)


def test_password_checks_match_and_upgrade_only_where_they_should():
    passwords = Passwords(1, 1024)
    legacy = bcrypt.hashpw(b"legacy pw", bcrypt.gensalt(10)).decode()
    current = passwords.hash("argon pw")
    assert passwords.check(None, "anything") == (False, None)
    assert passwords.check("not a hash", "anything") == (False, None)
    assert passwords.check(legacy, "wrong") == (False, None)
    matches, upgraded = passwords.check(legacy, "legacy pw")
    assert matches and upgraded.startswith("$argon2id$") and passwords.check(upgraded, "legacy pw") == (True, None)
    assert passwords.check(current, "argon pw") == (True, None)
    assert passwords.check(current, "wrong") == (False, None)
    # A change of cost parameters upgrades on the next login.
    assert Passwords(2, 1024).check(current, "argon pw")[1].startswith("$argon2id$v=19$m=1024,t=2")


def test_logout_ends_every_token_of_the_account(api):
    me = api.user()
    other_device = api.login(me.email).json()["accessToken"]
    neighbour = api.user()
    assert me.post("/auth/logout").status_code == 204
    for token in (me.token, other_device):
        r = api.client.get("/me", headers=bearer(token))
        assert r.status_code == 401 and "revoked" in r.json()["detail"]
    assert neighbour.get("/me").status_code == 200  # only that account's tokens
    fresh = api.login(me.email).json()["accessToken"]
    assert api.client.get("/me", headers=bearer(fresh)).status_code == 200


def test_password_change(api):
    me = api.user()
    r = me.post("/me/password", json={"currentPassword": "wrong password", "newPassword": "a new password"})
    assert r.status_code == 403
    r = me.post("/me/password", json={"currentPassword": PASSWORD, "newPassword": "short"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "newPassword"]
    r = me.post("/me/password", json={"currentPassword": PASSWORD, "newPassword": "a new password"})
    assert r.status_code == 200
    assert me.get("/me").status_code == 401  # the old token is revoked
    assert api.client.get("/me", headers=bearer(r.json()["accessToken"])).status_code == 200
    assert api.login(me.email).status_code == 401
    assert api.login(me.email, "a new password").status_code == 200


def reset_token(url: str, email: str, secret: str | None = SECRET):
    env = {"GAINGRID_TOKEN_SECRET": secret} if secret else {}
    return runner.invoke(cli_app, ["accounts", "reset-token", email, "--database-url", url], env=env)


def test_operator_reset_token_works_once(api, monkeypatch):
    monkeypatch.delenv("GAINGRID_TOKEN_SECRET", raising=False)
    me = api.user()
    issued = reset_token(api.url, me.email.upper())
    assert issued.exit_code == 0, issued.output
    token = issued.output.splitlines()[1]
    assert me.get("/me").status_code == 200
    assert api.client.get("/me", headers=bearer(token)).status_code == 401  # not an access token

    r = api.client.post("/auth/reset", json={"token": token, "newPassword": "reset password"})
    assert r.status_code == 204, r.text
    assert me.get("/me").status_code == 401
    assert api.login(me.email, "reset password").status_code == 200
    r = api.client.post("/auth/reset", json={"token": token, "newPassword": "another password"})
    assert r.status_code == 401 and "already used" in r.json()["detail"]
    assert api.client.post("/auth/reset", json={"token": me.token, "newPassword": "x" * 10}).status_code == 401


@sqlite_only
def test_reset_token_refusals(api, monkeypatch):
    monkeypatch.delenv("GAINGRID_TOKEN_SECRET", raising=False)
    me = api.user()
    result = reset_token(api.url, me.email, secret=None)
    assert result.exit_code == 1 and result.output.startswith("error: GAINGRID_TOKEN_SECRET is unset")
    result = reset_token(api.url, "nobody@example.com")
    assert result.exit_code == 1 and result.output == "error: no account has the email 'nobody@example.com'\n"


@sqlite_only
def test_attempts_are_limited_per_account(database):
    api = make_api(database(6), rate_limit_per_account="3/minute")
    me = api.register()
    answers = [api.login(me["email"], "wrong password") for _ in range(3)]
    assert [r.status_code for r in answers] == [401, 401, 429]  # registering was the first attempt
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    assert api.login(me["email"]).status_code == 429  # the right password too, until the window passes
    # An unknown email is limited the same way: a 429 tells nothing about the account.
    assert [api.login("nobody@example.com", "x").status_code for _ in range(4)] == [401, 401, 401, 429]
    assert api.login(api.register()["email"]).status_code == 200  # other accounts are not affected


@sqlite_only
def test_attempts_are_limited_per_client_address(database):
    api = make_api(database(6), rate_limit_per_address="5/minute")
    answers = [api.login(f"user{i}@example.com", "x") for i in range(5)]
    assert [r.status_code for r in answers] == [401] * 5
    r = api.client.post("/auth/register", json={"email": "new@example.com", "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1


@sqlite_only
def test_an_oversized_body_is_413_before_it_is_read_whole(database):
    api = make_api(database(6), max_body_bytes=4096)
    r = api.client.post("/auth/login", content=b'{"email": "' + b"a" * 10_000 + b'"}',
                        headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert api.login("nobody@example.com").status_code == 401  # a normal body still gets through


def test_an_unset_token_secret_is_a_loud_warning(caplog, monkeypatch, tmp_path):
    monkeypatch.delenv("GAINGRID_TOKEN_SECRET", raising=False)
    with caplog.at_level(logging.WARNING, logger="gaingrid.api"):
        create_app(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}"))
    assert "GAINGRID_TOKEN_SECRET is unset" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="gaingrid.api"):
        create_app(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", token_secret=SECRET))
    assert "GAINGRID_TOKEN_SECRET" not in caplog.text
