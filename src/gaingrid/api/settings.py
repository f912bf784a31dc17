"""The service's configuration, from GAINGRID_* environment variables.

A bad value stops the service at start-up with the variable's name, instead
of failing on the first request.
"""
from __future__ import annotations

import secrets

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gaingrid.migrate.dialect import parse_url
from gaingrid.migrate.errors import MigrateError

DEFAULT_URL = "sqlite:///gaingrid.db"  # the CLI's default too
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GAINGRID_", extra="forbid", frozen=True)

    database_url: str = DEFAULT_URL
    # Unset: a random secret per process, so tokens end when the service restarts.
    token_secret: SecretStr = Field(default_factory=lambda: SecretStr(secrets.token_urlsafe(48)))
    token_ttl_seconds: int = Field(default=24 * 3600, ge=60, le=30 * 24 * 3600)
    # argon2id cost; the defaults are argon2-cffi's (RFC 9106 low-memory profile).
    argon2_time_cost: int = Field(default=3, ge=1, le=20)
    argon2_memory_kib: int = Field(default=64 * 1024, ge=1024, le=4 * 1024 * 1024)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        try:
            parse_url(value)
        except MigrateError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("token_secret")
    @classmethod
    def _long_secret(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(f"the token secret must be at least {MIN_SECRET_LENGTH} characters")
        return value
