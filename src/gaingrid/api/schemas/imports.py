from __future__ import annotations

from enum import Enum

from pydantic import Field

from .common import Output


class App(str, Enum):
    strong = "strong"
    hevy = "hevy"


class Unit(str, Enum):
    kg = "kg"
    lb = "lb"


class MappingOut(Output):
    source: str = Field(description="the exercise name in the file")
    exercise: str = Field(description="the exercise it became")
    exercise_id: str
    how: str = Field(description="exact | yours | words | synonym | without equipment | new "
                                 "(new: your own, in your Imported plan)")
    sets: int


class QuarantinedOut(Output):
    line: int = Field(description="where the row starts in the file (the header is line 1)")
    reason: str
    row: str = Field(description="the row as the file has it, shortened")


class DifferenceOut(Output):
    line: int
    what: str


class ImportOut(Output):
    app: App
    file: str
    user: str
    timezone: str = Field(description="the account's timezone, in which the file's times were read")
    unit: Unit
    rows: int = Field(description="data rows (sets) in the file")
    imported: int = Field(description="sets added")
    present: int = Field(description="sets already there (imported before): left as they are")
    quarantined: int = Field(description="rows that could not be read: not imported, listed in quarantine")
    sessions: int
    new_sessions: int
    verified: int = Field(description="sets compared with the database after the import")
    mappings: list[MappingOut] = Field(description="every exercise name in the file and what it became")
    quarantine: list[QuarantinedOut] = Field(description="the first 1000 quarantined rows")
    kept: list[DifferenceOut] = Field(description="sets already there that differ from the file: the database's kept")
    ignored_columns: list[str] = Field(description="columns of the file that were not imported")
    reconciled: bool = Field(description="rows = imported + present + quarantined")
    clean: bool = Field(description="reconciled, and every set in the database as the file has it")
