"""Path and query parameter types shared by the routers."""
from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from ..schemas.common import Id

IdPath = Annotated[Id, Path()]
Limit = Annotated[int, Query(ge=1, le=200, description="page size")]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
