"""The service's configuration, from GAINGRID_* environment variables.

A bad value stops the service at start-up with the variable's name, instead
of failing on the first request.
"""
from __future__ import annotations

import secrets

from limits import parse as parse_rate
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from phased import MigrateError, parse_url

DEFAULT_URL = "sqlite:///gaingrid.db"  # the CLI's default too
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GAINGRID_", extra="forbid", frozen=True)

    database_url: str = DEFAULT_URL
    # Unset: a random secret per process, so tokens end when the service restarts (a warning says so).
    token_secret: SecretStr = Field(default_factory=lambda: SecretStr(secrets.token_urlsafe(48)))
    token_ttl_seconds: int = Field(default=24 * 3600, ge=60, le=30 * 24 * 3600)
    # argon2id cost; the defaults are argon2-cffi's (RFC 9106 low-memory profile).
    argon2_time_cost: int = Field(default=3, ge=1, le=20)
    argon2_memory_kib: int = Field(default=64 * 1024, ge=1024, le=4 * 1024 * 1024)
    # Attempts to log in, register, change or reset a password ("N/second|minute|hour|day").
    rate_limit_per_account: str = "10/minute"
    rate_limit_per_address: str = "30/minute"
    rate_limit_storage: str = "memory://"  # or e.g. redis://host:6379, shared between processes
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    # POST /imports alone: a Strong or Hevy export of years of sets (the 7,211-set Hevy sample is 1 MB).
    max_import_bytes: int = Field(default=64 * 1024 * 1024, ge=1024, le=1024 * 1024 * 1024)
    # Sent as X-Operator-Token, shows the database's connection details in GET /status. Unset: never shown.
    operator_token: SecretStr | None = None

    @property
    def token_secret_is_set(self) -> bool:
        return "token_secret" in self.model_fields_set

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        try:
            parse_url(value)
        except MigrateError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("token_secret", "operator_token")
    @classmethod
    def _long_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_LENGTH:
            what = info.field_name.replace("_", " ")
            raise ValueError(f"the {what} must be at least {MIN_SECRET_LENGTH} characters")
        return value

    @field_validator("rate_limit_per_account", "rate_limit_per_address")
    @classmethod
    def _rate(cls, value: str) -> str:
        try:
            parse_rate(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate such as 10/minute") from None
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _storage(cls, value: str) -> str:
        try:
            storage_from_string(value)
        except ConfigurationError as exc:
            raise ValueError(f"unusable rate-limit storage {value!r}: {exc}") from None
        return value
