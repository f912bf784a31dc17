"""How the engine writes a name in SQL."""
from __future__ import annotations


def quote(name: str) -> str:
    """An identifier, double-quoted: the engine's one way to quote a name in SQL."""
    return '"' + name.replace('"', '""') + '"'
