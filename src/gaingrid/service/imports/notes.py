"""What a set keeps in its WorkoutLog's notes: a short tag, then the exercise's own notes.

WorkoutLog has no column for a set's place, its type or its RPE, and the
schema must stay Prisma's, so an imported set's notes start with one tag:

    [gg ex=2 set=3 type=warmup rpe=8.5 sec=60 km=1.2 ss=0]
    the exercise notes, as the app had them (may span lines)

- `ex`: the exercise's place in the session (1 = first), `set`: the set's
  place among that exercise's sets in the session (1 = first). Always there.
- `type`: `warmup`, `failure` or `drop`; a normal set has none.
- `rpe`: rate of perceived exertion, 0 to 10. `sec`: the set's duration in
  seconds, `km`: its distance (timed and cardio sets). `ss`: Hevy's superset id.
- Keys not recorded are left out, in the order above; values have no spaces.

The tag is the first line; the exercise notes, if any, follow on the next.
Notes without a tag (logs written another way) are all exercise notes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .values import plain

SET_TYPES = ("normal", "warmup", "failure", "drop")
_TAG = re.compile(r"^\[gg((?: [a-z]+=[^\s\]]+)+)\](?:\n|$)")


@dataclass(slots=True)  # not frozen: built per set, and a frozen __init__ is slow
class SetTag:
    ex: int
    set: int
    type: str = "normal"
    rpe: float | None = None
    sec: float | None = None
    km: float | None = None
    ss: str | None = None


def render(tag: SetTag, note: str | None) -> str:
    parts = [f"ex={tag.ex}", f"set={tag.set}"]
    if tag.type != "normal":
        parts.append(f"type={tag.type}")
    for key in ("rpe", "sec", "km"):
        value = getattr(tag, key)
        if value is not None:
            parts.append(f"{key}={plain(value)}")
    if tag.ss is not None:
        parts.append(f"ss={tag.ss}")
    head = "[gg " + " ".join(parts) + "]"
    return f"{head}\n{note}" if note else head


def parse(notes: str | None) -> tuple[SetTag | None, str]:
    """(the tag, the exercise notes); (None, notes) when the notes carry no valid tag."""
    if not notes:
        return None, ""
    match = _TAG.match(notes)
    if not match:
        return None, notes
    fields = dict(part.split("=", 1) for part in match.group(1).split())
    try:
        tag = SetTag(ex=_count(fields.pop("ex")), set=_count(fields.pop("set")),
                     type=fields.pop("type", "normal"),
                     rpe=_float(fields.pop("rpe", None)), sec=_float(fields.pop("sec", None)),
                     km=_float(fields.pop("km", None)), ss=fields.pop("ss", None))
    except (KeyError, ValueError):
        return None, notes
    if fields or tag.type not in SET_TYPES:
        return None, notes
    return tag, notes[match.end():]


def _count(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def _float(text: str | None) -> float | None:
    return None if text is None else float(text)
