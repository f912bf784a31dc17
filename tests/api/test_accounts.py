"""Register, log in, tokens, the profile; and the settings that refuse a bad config."""
from __future__ import annotations

import jwt
import pytest
from pydantic import ValidationError

from gaingrid.api import Settings
from gaingrid.api.tokens import RESET, Tokens

from .conftest import PASSWORD, SECRET, sqlite_only


def test_register_login_and_profile(api):
    created = api.register(email="Ada@Example.com", name="Ada", timezone="Europe/Berlin", weight=61.5, height=170,
                           fitnessLevel="INTERMEDIATE", goals="a 100 kg squat")
    assert created["email"] == "ada@example.com"
    assert "password" not in created
    assert created["lastLogin"] is None
    stored = api.sql('SELECT password FROM "User" WHERE id = :id', id=created["id"])[0][0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored

    r = api.login("ADA@example.com")
    assert r.status_code == 200
    token = r.json()["accessToken"]
    me = api.client.get("/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["timezone"], me["weight"], me["height"], me["fitnessLevel"]) == ("Europe/Berlin", 61.5, 170, "INTERMEDIATE")
    assert me["lastLogin"] is not None

    r = api.client.patch("/me", json={"timezone": "America/New_York", "goals": None},
                         headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    assert (r.json()["timezone"], r.json()["goals"], r.json()["height"]) == ("America/New_York", None, 170)


def test_duplicate_email_is_409(api):
    api.register(email="same@example.com")
    r = api.client.post("/auth/register", json={"email": "SAME@example.com", "password": PASSWORD})
    assert r.status_code == 409


@sqlite_only  # validation happens before any database access
@pytest.mark.parametrize("body, field", [
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"timezone": "../../etc/passwd"}, "timezone"),
    ({"email": "not-an-email"}, "email"),
    ({"password": "short"}, "password"),
    ({"height": 10_000}, "height"),
    ({"fitnessLevel": "GODLIKE"}, "fitnessLevel"),
    ({"isActive": False}, "isActive"),  # not settable: unknown fields are refused
])
def test_bad_registration_is_422_naming_the_field(api, body, field):
    r = api.client.post("/auth/register", json={"email": "x@example.com", "password": PASSWORD, **body})
    assert r.status_code == 422
    errors = r.json()["detail"]
    assert [e["loc"][-1] for e in errors] == [field]
    assert errors[0]["message"].startswith(f"body.{field}: ")
    assert PASSWORD not in r.text  # a refusal never echoes the input


def test_wrong_password_or_unknown_email_is_401(api):
    me = api.register()
    assert api.login(me["email"], "wrong password").status_code == 401
    assert api.login("nobody@example.com").status_code == 401


def test_an_inactive_user_cannot_log_in_and_their_token_stops_working(api):
    me = api.user()
    assert me.get("/me").status_code == 200
    api.sql('UPDATE "User" SET "isActive" = false WHERE id = :id', id=me.id)
    r = api.login(me.email)
    assert r.status_code == 401 and "deactivated" in r.json()["detail"]
    assert me.get("/me").status_code == 401


@sqlite_only
@pytest.mark.parametrize("header", [
    None, "Bearer", "Bearer garbage", "Bearer a.b", "Basic dXNlcjpwdw==",
    "Bearer " + Tokens("y" * 40, 3600).issue("someone", "v").value,  # signed with another secret
    "Bearer " + Tokens(SECRET, 3600).issue("someone", "v", audience=RESET).value,  # a reset token
])
def test_bad_tokens_are_401(api, header):
    r = api.client.get("/me", headers={"Authorization": header} if header else {})
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == "Bearer"


def test_expired_and_tampered_tokens_are_401(api):
    me = api.user()
    version = Tokens(SECRET, 60).read(me.token).version
    expired = Tokens(SECRET, 60).issue(me.id, version, now=1_000_000).value
    assert api.client.get("/me", headers={"Authorization": f"Bearer {expired}"}).status_code == 401
    header, _payload, signature = me.token.split(".")
    forged_payload = Tokens(SECRET, 60).issue("another-user", version).value.split(".")[1]
    forged = f"{header}.{forged_payload}.{signature}"
    assert api.client.get("/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    assert api.client.get("/me", headers={"Authorization": f"Bearer {me.token}"}).status_code == 200


def test_tokens_carry_the_standard_claims_and_check_signature_and_audience():
    tokens = Tokens(SECRET, 60)
    token = tokens.issue("u1", "v1")
    claims = jwt.decode(token.value, SECRET, algorithms=["HS256"], audience="gaingrid:access")
    assert {"sub", "iat", "exp", "jti", "ver", "aud"} <= set(claims)
    assert claims["exp"] - claims["iat"] == 60
    assert tokens.issue("u1", "v1").value != token.value  # a new jti each time
    read = tokens.read(token.value)
    assert (read.user_id, read.version) == ("u1", "v1")
    assert tokens.read(token.value, audience=RESET) is None
    assert Tokens("z" * 40, 60).read(token.value) is None
    unsigned = jwt.encode({**claims}, key="", algorithm="none")
    assert tokens.read(unsigned) is None


def test_accounts_work_on_a_phase_1_database(api_at):
    """Before phase 2 the User table has no profile columns, isActive or lastLogin."""
    api = api_at(1)
    me = api.user(name="Legacy")
    assert me.get("/me").json()["name"] == "Legacy"
    r = api.client.post("/auth/register", json={"email": "tz@example.com", "password": PASSWORD, "timezone": "UTC"})
    assert r.status_code == 503
    assert r.json()["detail"] == "the database is at phase 1; profile fields need phase 2 (timezone)"
    assert me.patch("/me", json={"name": "Renamed"}).json()["name"] == "Renamed"
    assert me.patch("/me", json={"weight": 80}).status_code == 503


@pytest.mark.parametrize("values, field", [
    ({"database_url": "mysql://db/x"}, "database_url"),
    ({"database_url": "not a url"}, "database_url"),
    ({"token_secret": "too short"}, "token_secret"),
    ({"token_ttl_seconds": 0}, "token_ttl_seconds"),
    ({"argon2_memory_kib": 1}, "argon2_memory_kib"),
    ({"no_such_setting": 1}, "no_such_setting"),
])
def test_settings_refuse_a_bad_config(values, field):
    with pytest.raises(ValidationError) as caught:
        Settings(**values)
    assert [e["loc"][0] for e in caught.value.errors()] == [field]


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("GAINGRID_TOKEN_SECRET", "e" * 32)
    monkeypatch.setenv("GAINGRID_DATABASE_URL", "postgresql://u@h/db")
    s = Settings()
    assert (s.token_secret.get_secret_value(), s.database_url) == ("e" * 32, "postgresql://u@h/db")
    monkeypatch.setenv("GAINGRID_TOKEN_SECRET", "short")
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings()
