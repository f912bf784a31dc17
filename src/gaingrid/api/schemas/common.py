"""Field types shared by the request and response bodies."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)


def _clean_text(value: str) -> str:
    # PostgreSQL text can't hold NUL, and lone surrogates can't be encoded: refuse
    # both here, with the field's name, rather than fail in the database driver.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def _instant(value: datetime) -> datetime:
    """Stored as Prisma does: naive UTC, millisecond precision. Naive input is taken as UTC."""
    if not 1900 <= value.year <= 2200:
        raise ValueError("must be between the years 1900 and 2200")
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def any_case(words: list[str]) -> Any:
    """A string that is one of `words` in any letter case, kept as sent.

    The schema says so with a pattern ([Ss][Tt]…), since JSON Schema enums are case-sensitive.
    """
    folded = {w.lower() for w in words}

    def check(value: str) -> str:
        if value.lower() not in folded:
            raise ValueError(f"must be one of {', '.join(words)} (any case)")
        return value

    pattern = "^(" + "|".join("".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in w)
                              for w in words) + ")$"
    return Annotated[str, AfterValidator(check), WithJsonSchema({"type": "string", "pattern": pattern})]


def Text(max_length: int, min_length: int = 0) -> Any:
    return Annotated[str, Field(min_length=min_length, max_length=max_length), AfterValidator(_clean_text)]


Name = Text(200, 1)
Notes = Text(2000)
Id = Text(100, 1)
Instant = Annotated[datetime, AfterValidator(_instant)]
# Stored timestamps are naive UTC: answer them as explicit UTC.
UtcDatetime = Annotated[datetime, AfterValidator(_as_utc), PlainSerializer(lambda v: v.isoformat(), return_type=str)]


class Input(BaseModel):
    """A request body: unknown fields are an error (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid")


class Patch(Input):
    """A partial update: absent fields stay; `required` fields may not be set to null."""

    required: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_for_required(self) -> Patch:
        for name in self.model_fields_set & self.required:
            if getattr(self, name) is None:
                raise ValueError(f"{name} may be omitted but not null")
        return self

    def changes(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.model_fields_set}


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(Output):
    total: int
    limit: int
    offset: int
