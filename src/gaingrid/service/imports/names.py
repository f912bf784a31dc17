"""Exercise names as words, so that "Squat (Barbell)" and "Barbell Squat" are one exercise.

`words` lowers case, drops accents and punctuation, joins the compound words
apps spell three ways (pull-up, pull up, pullup), maps a few abbreviations
and plurals, and sorts what is left. Strong and Hevy name the equipment in
parentheses; `without_equipment` is the name without it, tried last, and only
when the parentheses hold nothing but equipment ("Pull Up (Assisted)" keeps
its "assisted").

SYNONYMS names the catalog exercise for common app names whose words differ
from the catalog's ("Bench Press (Barbell)" is the catalog's "Barbell Bench
Press - Medium Grip"). Every target is a catalog name; a test checks it.
"""
from __future__ import annotations

import re
import unicodedata
from functools import cache

_COMPOUNDS = re.compile(r"\b(pull|chin|push|sit|step|ez|e z)[ -]?(up|ups|bar|curl bar)\b")
_WORD = {"db": "dumbbell", "dumbbells": "dumbbell", "bb": "barbell", "kb": "kettlebell",
         "kettlebells": "kettlebell", "biceps": "bicep", "triceps": "tricep", "flye": "fly", "flyes": "fly",
         "flys": "fly", "pullups": "pullup", "chinups": "chinup", "pushups": "pushup", "situps": "situp",
         "stepups": "stepup", "ezbar": "ezbar", "weighted": "weighted"}
EQUIPMENT = frozenset({"barbell", "dumbbell", "machine", "cable", "kettlebell", "band", "bands", "smith",
                       "plate", "plates", "loaded", "lever", "leverage", "ezbar", "bodyweight", "bar", "rope"})

SYNONYMS = {
    "Bench Press (Barbell)": "Barbell Bench Press - Medium Grip",
    "Bench Press": "Barbell Bench Press - Medium Grip",
    "Incline Bench Press (Barbell)": "Barbell Incline Bench Press - Medium Grip",
    "Incline Bench Press (Dumbbell)": "Incline Dumbbell Press",
    "Bicep Curl (Barbell)": "Barbell Curl",
    "Bicep Curl (Cable)": "Standing Biceps Cable Curl",
    "Preacher Curl (Barbell)": "Preacher Curl",
    "Preacher Curl (Machine)": "Machine Preacher Curls",
    "EZ Bar Biceps Curl": "EZ-Bar Curl",
    "Lat Pulldown (Cable)": "Wide-Grip Lat Pulldown",
    "Lat Pulldown (Machine)": "Wide-Grip Lat Pulldown",
    "Lateral Raise (Dumbbell)": "Side Lateral Raise",
    "Lateral Raise (Cable)": "Cable Seated Lateral Raise",
    "Overhead Press (Barbell)": "Barbell Shoulder Press",
    "Shoulder Press (Machine)": "Machine Shoulder (Military) Press",
    "Shoulder Press (Machine Plates)": "Leverage Shoulder Press",
    "Seated Shoulder Press (Machine)": "Machine Shoulder (Military) Press",
    "Chest Press (Machine)": "Leverage Chest Press",
    "Incline Chest Press (Machine)": "Leverage Incline Chest Press",
    "Chest Fly (Dumbbell)": "Dumbbell Flyes",
    "Chest Fly (Machine)": "Butterfly",
    "Pec Deck (Machine)": "Butterfly",
    "Rear Delt Reverse Fly (Machine)": "Reverse Machine Flyes",
    "Rear Delt Reverse Fly (Cable)": "Cable Rear Delt Fly",
    "Seated Leg Curl (Machine)": "Seated Leg Curl",
    "Triceps Pushdown": "Triceps Pushdown",
    "Triceps Pressdown": "Triceps Pushdown",
    "Triceps Extension (Cable)": "Triceps Pushdown - Rope Attachment",
    "Skullcrusher (Barbell)": "Lying Triceps Press",
    "Hip Abduction (Machine)": "Thigh Abductor",
    "Hip Adduction (Machine)": "Thigh Adductor",
    "Hip Thrust (Machine)": "Barbell Hip Thrust",
    "Back Extension (Weighted Hyperextension)": "Hyperextensions (Back Extensions)",
    "Back Extension": "Hyperextensions (Back Extensions)",
    "Bulgarian Split Squat": "Split Squat with Dumbbells",
    "Lying Leg Raise": "Flat Bench Lying Leg Raise",
    "Pull Up (Assisted)": "Band Assisted Pull-Up",
    "Farmers Walk": "Farmer's Walk",
    "Running": "Running, Treadmill",
    "Push Up": "Pushups",
    "Dip": "Dips - Triceps Version",
    "Upright Row (Barbell)": "Upright Barbell Row",
    "Standing Calf Raise (Machine)": "Standing Calf Raises",
    "Seated Calf Raise (Machine)": "Seated Calf Raise",
}


@cache
def words(name: str) -> tuple[str, ...]:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = _COMPOUNDS.sub(lambda m: (m.group(1).replace(" ", "") + m.group(2).replace(" ", "")), text)
    return tuple(sorted(_singular(_WORD.get(w, w)) for w in text.split()))


@cache
def without_equipment(name: str) -> tuple[str, ...] | None:
    """The name's words without its parenthesised equipment, or None if it has none to drop."""
    match = re.fullmatch(r"(.*?)\s*\(([^()]*)\)\s*", name)
    if not match or not match.group(1).strip():
        return None
    if not set(words(match.group(2))) <= EQUIPMENT:
        return None
    return words(match.group(1))


def _singular(word: str) -> str:
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith(("ches", "shes", "xes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word
