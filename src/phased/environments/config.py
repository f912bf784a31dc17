"""A project's environments, from its config file: `<project>.toml`, or `[tool.<project>]` in pyproject.toml.

    [environments.staging]
    url_env = "STAGING_DATABASE_URL"      # the URL is read from this variable: never a password in the file
    backup_dir = "backups/staging"
    promotes_from = "dev"

    [environments.production]
    url_env = "DATABASE_URL"              # the app's URL (through PgBouncer, say)
    direct_url_env = "DIRECT_URL"         # the migrator's (Prisma's directUrl)
    backup_dir = "/var/backups/gaingrid"
    promotes_from = "staging"
    confirm = true
    window = { days = ["sat", "sun"], start = "02:00", end = "05:00", timezone = "Europe/Berlin" }

A bad file is refused with one line that names the key.
"""
from __future__ import annotations

import os
import re
import tomllib
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, field_validator, model_validator

from phased.declare.errors import MigrateError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL = {full: full[:3] for full in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Keys people reach for that would put a URL, and so perhaps a password, in the file.
_URL_KEYS = {"url": "url_env", "direct_url": "direct_url_env", "database_url": "url_env", "directUrl": "direct_url_env"}


class ConfigError(MigrateError):
    """The config file is unusable; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(_Strict):
    """When changes may run: on these weekdays, from `start` to `end` (an end at or before the start is the
    next day's; start == end is the whole day), in `timezone`."""

    days: tuple[str, ...] = DAYS
    start: time
    end: time
    timezone: str = "UTC"

    @field_validator("days", mode="before")
    @classmethod
    def _days(cls, value):
        if isinstance(value, str):
            value = [value]
        out = []
        for day in value:
            key = str(day).strip().lower()
            key = _FULL.get(key, key)
            if key not in DAYS:
                raise ValueError(f"{day!r} is no weekday (use {', '.join(DAYS)})")
            out.append(key)
        if not out:
            raise ValueError("name at least one weekday")
        return tuple(out)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _clock(cls, value):
        if isinstance(value, str) and not re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", value.strip()):
            raise ValueError(f"{value!r} is no time of day (use HH:MM)")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r} (an IANA name, such as Europe/Berlin)") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_open(self, at: datetime) -> bool:
        """Whether `at` (aware) falls in the window."""
        local = at.astimezone(self.zone)
        if self.start == self.end:
            return DAYS[local.weekday()] in self.days
        clock = local.time()
        if self.start < self.end:
            return DAYS[local.weekday()] in self.days and self.start <= clock < self.end
        # Across midnight: the window belongs to the day it starts on.
        yesterday = DAYS[(local.weekday() - 1) % 7]
        return (DAYS[local.weekday()] in self.days and clock >= self.start) or (yesterday in self.days and clock < self.end)

    def covers(self, start: datetime, end: datetime) -> bool:
        """Whether every minute from `start` to `end` (aware) is in the window."""
        at = start
        while at < end:
            if not self.is_open(at):
                return False
            at += timedelta(minutes=1)
        return True

    def describe(self) -> str:
        days = ", ".join(self.days) if set(self.days) != set(DAYS) else "every day"
        hours = "all day" if self.start == self.end else f"{self.start:%H:%M}-{self.end:%H:%M}"
        return f"{days} {hours} {self.timezone}"


class Environment(_Strict):
    name: str = ""
    url_env: str
    direct_url_env: str | None = None
    pooled: StrictBool = False  # the url_env URL goes through a pooler in transaction mode (PgBouncer): never migrate on it
    backup_dir: Path
    promotes_from: str | None = None
    window: Window | None = None
    confirm: StrictBool = False  # up, down and restore ask for the environment's name to be typed (or --yes)

    @field_validator("url_env", "direct_url_env")
    @classmethod
    def _variable(cls, value: str | None) -> str | None:
        if value is not None and not _VARIABLE.match(value):
            raise ValueError(f"{value!r} is no environment variable name: name the variable that holds the URL")
        return value

    def _read(self, variable: str, key: str, environ: Mapping[str, str]) -> str:
        value = environ.get(variable, "").strip()
        if not value:
            raise MigrateError(f"environment {self.name}: {variable} is not set ({key} in the config file names it); "
                               f"export {variable} with the database URL")
        return value

    def url(self, environ: Mapping[str, str] | None = None) -> str:
        """The app's URL."""
        return self._read(self.url_env, "url_env", os.environ if environ is None else environ)

    def migrator_url(self, environ: Mapping[str, str] | None = None) -> str:
        """The URL the migrator runs on: the direct one where there is one."""
        environ = os.environ if environ is None else environ
        if self.direct_url_env:
            return self._read(self.direct_url_env, "direct_url_env", environ)
        return self.url(environ)

    @property
    def direct_hint(self) -> str:
        """What to do when the migrator's URL turns out to be pooled."""
        if self.direct_url_env:
            return (f"point {self.direct_url_env} (direct_url_env of environment {self.name}) at the database "
                    "itself, not the pooler")
        return (f"give environment {self.name} a direct_url_env naming a variable that holds a direct URL to the "
                "database (Prisma's directUrl), and set it")


class Config(_Strict):
    environments: dict[str, Environment] = Field(min_length=1)
    source: Path = Path()  # the file it was read from

    @model_validator(mode="before")
    @classmethod
    def _names(cls, data):
        if isinstance(data, dict) and isinstance(data.get("environments"), dict):
            data = {**data, "environments": {name: ({**env, "name": name} if isinstance(env, dict) else env)
                                             for name, env in data["environments"].items()}}
        return data

    @model_validator(mode="after")
    def _promotions(self) -> "Config":
        for name, env in self.environments.items():
            if env.promotes_from is None:
                continue
            if env.promotes_from not in self.environments:
                raise _KeyProblem(("environments", name, "promotes_from"),
                                  f"no environment named {env.promotes_from!r} (have: {', '.join(self.environments)})")
            seen, at = {name}, env.promotes_from
            while at is not None:
                if at in seen:
                    raise _KeyProblem(("environments", name, "promotes_from"), "promotions go round in a circle")
                seen.add(at)
                at = self.environments[at].promotes_from
        return self

    def environment(self, name: str) -> Environment:
        if name not in self.environments:
            raise MigrateError(f"no environment {name!r} in {self.source} (it has {', '.join(self.environments)})")
        return self.environments[name]


class _KeyProblem(ValueError):
    def __init__(self, loc: tuple, message: str) -> None:
        super().__init__(message)
        self.loc, self.message = loc, message


def find(project: str, start: Path | None = None) -> tuple[Path, dict] | None:
    """The nearest `<project>.toml`, or pyproject.toml with `[tool.<project>]`, from `start` up: (file, table)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        own = folder / f"{project}.toml"
        if own.is_file():
            return own, _read_toml(own)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            table = _read_toml(pyproject).get("tool", {}).get(project)
            if table is not None:
                return pyproject, table
    return None


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from None


def load(project: str, start: Path | None = None, *, path: Path | None = None) -> Config | None:
    """The project's config, or None where it has none. Relative backup directories are the file's folder's."""
    if path is not None:
        found = (path, _read_toml(path) if path.name != "pyproject.toml"
                 else _read_toml(path).get("tool", {}).get(project, {}))
    else:
        found = find(project, start)
    if found is None:
        return None
    file, table = found
    prefix = (f"tool.{project}.",) if file.name == "pyproject.toml" else ("",)
    if not isinstance(table, dict):
        raise ConfigError(f"{file}: tool.{project}: not a table")
    for key, where in [("source", "source"), *(("name", f"environments.{n}.name")
                                                for n, e in (table.get("environments") or {}).items()
                                                if isinstance(e, dict) and "name" in e)]:
        if key == "source" and "source" not in table:
            continue
        raise ConfigError(f"{file}: {prefix[0]}{where}: unknown key")
    try:
        config = Config.model_validate({**table, "source": file})
    except ValidationError as exc:
        raise ConfigError(f"{file}: {_first(exc, prefix[0])}") from None
    except _KeyProblem as exc:
        raise ConfigError(f"{file}: {prefix[0]}{'.'.join(exc.loc)}: {exc.message}") from None
    folder = file.parent
    return config.model_copy(update={"environments": {
        name: env.model_copy(update={"backup_dir": env.backup_dir if env.backup_dir.is_absolute()
                                     else folder / env.backup_dir})
        for name, env in config.environments.items()}})


def _first(exc: ValidationError, prefix: str) -> str:
    errors = exc.errors()
    # A URL written into the file is the first thing to say.
    error = next((e for e in errors if e["type"] == "extra_forbidden" and str(e["loc"][-1]) in _URL_KEYS), errors[0])
    loc = [str(part) for part in error["loc"]]
    key = prefix + ".".join(loc)
    if error["type"] == "extra_forbidden":
        wanted = _URL_KEYS.get(loc[-1])
        if wanted:
            return (f"{key}: a URL does not belong in the file (it may hold a password): name the environment "
                    f"variable that holds it, {wanted} = \"NAME\"")
        return f"{key}: unknown key"
    if error["type"] == "missing":
        return f"{key}: missing"
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, _KeyProblem):
        return f"{prefix}{'.'.join(cause.loc)}: {cause.message}"
    message = str(cause) if error["type"] == "value_error" and cause is not None else error["msg"]
    return f"{key}: {message}"
