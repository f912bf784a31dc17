"""Field types shared by the request and response bodies."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    WithJsonSchema,
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


NO_NUL = r"^[^\u0000]*$"


def _whole_number(value: Any) -> Any:
    # JSON has one number type: 3.0 is a whole number (JSON Schema agrees), true is not a number.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _iso_text(value: Any) -> datetime:
    # ISO 8601 text only: pydantic would also read 0 (or "0.5") as seconds since 1970.
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError("must be an ISO 8601 date-time such as 2025-05-01T18:30:00Z")


def _instant(value: datetime) -> datetime:
    """Stored as Prisma does: naive UTC, millisecond precision. Naive input is taken as UTC."""
    if value.tzinfo is not None:
        try:
            value = value.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            raise ValueError("is out of range once converted to UTC") from None
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
    # The pattern tells clients (and schema-driven tests) what _clean_text refuses.
    return Annotated[str, Field(min_length=min_length, max_length=max_length, json_schema_extra={"pattern": NO_NUL}),
                     AfterValidator(_clean_text)]


Name = Text(200, 1)
Notes = Text(2000)
Id = Text(100, 1)
Instant = Annotated[datetime, BeforeValidator(_iso_text), AfterValidator(_instant)]


def _bound(value: datetime) -> datetime:
    # A filter's bound past the representable range once in UTC (year 1 at a positive offset, 9999 at a
    # negative one) matches as the range's edge: every stored instant lies inside it. A stored value is refused.
    try:
        return _instant(value)
    except ValueError:
        return datetime.min if value.year == 1 else datetime.max.replace(microsecond=999000)


Bound = Annotated[datetime, BeforeValidator(_iso_text), AfterValidator(_bound)]
# Strict: JSON true is no number and 1 no boolean (pydantic would otherwise store true as 1).
Flag = Annotated[bool, Strict()]


def Int(**bounds: Any) -> Any:
    return Annotated[int, Field(**bounds), Strict(), BeforeValidator(_whole_number)]


def Number(**bounds: Any) -> Any:
    """A float; integers are numbers too, booleans are not."""
    return Annotated[float, Strict(), Field(allow_inf_nan=False, **bounds)]


def Omittable(type_: Any) -> Any:
    """A PATCH field that may be left out but not set to null (its schema says so: not nullable)."""
    return Annotated[type_, Field(default=None)]


def _patch_schema(schema: dict[str, Any], model: type) -> None:
    for prop in schema.get("properties", {}).values():
        if prop.get("default", ...) is None and "anyOf" not in prop:
            del prop["default"]  # an Omittable field: null is refused, so no null default to advertise
    schema.update(getattr(model, "schema_rule", {}))
# Stored timestamps are naive UTC: answer them as explicit UTC.
UtcDatetime = Annotated[datetime, AfterValidator(_as_utc), PlainSerializer(lambda v: v.isoformat(), return_type=str)]


class Input(BaseModel):
    """A request body: unknown fields are an error (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid")


class Patch(Input):
    """A partial update: absent fields stay. Required columns are Omittable (never null)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_patch_schema)
    schema_rule: ClassVar[dict[str, Any]] = {}  # a rule across fields, in JSON Schema

    def changes(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.model_fields_set}


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(Output):
    total: int
    limit: int
    offset: int
