from __future__ import annotations

import enum
import re
from typing import Annotated

from pydantic import AfterValidator, Field, WithJsonSchema

from gaingrid.service.schedule import is_timezone, zone_names

from .common import Input, Int, Name, Number, Output, Patch, Text, UtcDatetime

# An address as RFC 5322's dot-atom and RFC 1035's host names have it (no quoted local parts, no IP
# literals), its local part at most 64 characters (RFC 5321).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = rf"^(?=[^@]{{1,64}}@){_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+$"


def _email(value: str) -> str:
    if not re.fullmatch(EMAIL_PATTERN, value):
        raise ValueError("must be an email address like name@example.com")
    return value.lower()


def _timezone(value: str) -> str:
    if not is_timezone(value):
        raise ValueError(f"{value!r} is not an IANA timezone name such as Europe/Berlin")
    return value


Email = Annotated[str, Field(max_length=254), AfterValidator(_email),
                  WithJsonSchema({"type": "string", "format": "email", "pattern": EMAIL_PATTERN, "maxLength": 254})]
Password = Text(256, 8)
GivenPassword = Text(256, 1)  # any length: a legacy password may be shorter than today's minimum
# The spec lists the names: a client (and a schema-driven test) can know which are accepted.
Timezone = Annotated[Text(64, 1), AfterValidator(_timezone),
                     WithJsonSchema({"type": "string", "enum": zone_names(), "examples": ["Europe/Berlin"]})]
Weight = Number(gt=0, le=700, description="body weight in kg")
Height = Int(ge=30, le=300, description="height in cm")
Goals = Text(2000)


class FitnessLevel(str, enum.Enum):
    BEGINNER = "BEGINNER"
    INTERMEDIATE = "INTERMEDIATE"
    ADVANCED = "ADVANCED"


PROFILE_FIELDS = ("timezone", "weight", "height", "fitnessLevel", "goals")


class ProfileFields(Input):
    timezone: Timezone | None = None
    weight: Weight | None = None
    height: Height | None = None
    fitnessLevel: FitnessLevel | None = None
    goals: Goals | None = None


class RegisterIn(ProfileFields):
    email: Email
    password: Password
    name: Name | None = None


class LoginIn(Input):
    email: Email
    password: GivenPassword


class PasswordChangeIn(Input):
    currentPassword: GivenPassword
    newPassword: Password


class PasswordResetIn(Input):
    token: Annotated[Text(2000, 1), Field(description="the one-time token from `gaingrid accounts reset-token`")]
    newPassword: Password


class TokenOut(Output):
    accessToken: str
    tokenType: str = "bearer"
    expiresAt: UtcDatetime


class ProfilePatch(Patch, ProfileFields):
    name: Name | None = None


class UserOut(Output):
    id: str
    email: str
    name: str | None
    createdAt: UtcDatetime
    updatedAt: UtcDatetime
    # Null until phase 2 adds them.
    timezone: str | None = None
    lastLogin: UtcDatetime | None = None
    isActive: bool = True
    weight: float | None = None
    height: int | None = None
    fitnessLevel: str | None = None
    goals: str | None = None

