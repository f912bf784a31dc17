"""What an import did, set by set accounted for: the CLI prints it, the API answers it."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .matching import Mapping
from .source import Quarantined

LISTED = 1000  # quarantined rows listed at most; all are counted


@dataclass(frozen=True, slots=True)
class Difference:
    line: int
    what: str


@dataclass
class ImportReport:
    app: str
    file: str
    user: str
    timezone: str
    unit: str
    rows: int = 0  # data rows in the file
    imported: int = 0  # sets added
    present: int = 0  # sets the database already had (an earlier import of them)
    quarantined: int = 0
    sessions: int = 0  # sessions in the file
    new_sessions: int = 0  # sessions the database had nothing of before
    verified: int = 0  # sets compared with the database after the import
    mappings: list[Mapping] = field(default_factory=list)
    quarantine: list[Quarantined] = field(default_factory=list)  # the first LISTED
    # sets the database already had that differ from the file: the database's are kept
    kept: list[Difference] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def reconciled(self) -> bool:
        return self.rows == self.imported + self.present + self.quarantined

    @property
    def clean(self) -> bool:
        """The verification: every set read (not quarantined) is in the database as the file has it."""
        return self.reconciled and not self.kept and self.verified == self.imported + self.present

    def quarantine_row(self, row: Quarantined) -> None:
        self.quarantined += 1
        if len(self.quarantine) < LISTED:
            self.quarantine.append(row)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["mappings"] = sorted(out["mappings"], key=lambda m: m["source"])
        out.update(reconciled=self.reconciled, clean=self.clean)
        return out
