"""Vocabulary of the demo data: people, workout templates and notes.

Everything here is a tuple so that choosing from it with a seeded RNG is
reproducible. Free text deliberately contains non-ASCII (names, emoji, CJK,
Cyrillic) so that the migration is exercised on it.
"""
from __future__ import annotations

import unicodedata

FIRST_NAMES = (
    "Anna", "Ben", "Chloé", "David", "Elif", "Finn", "Grace", "Hiro", "Ingrid", "Jonas",
    "Kai", "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quinn", "Rosa", "Søren", "Tara",
    "Umar", "Valentina", "Wei", "Ximena", "Yusuf", "Zoë", "Łukasz", "Amélie", "Björn", "José",
    "Aisha", "Carlos", "Emma", "Felix", "Hannah", "Ivan", "Julia", "Liam", "Mia", "Noah",
    "Olivia", "Paul", "Sara", "Tom", "Yuki", "Ayşe", "Jürgen", "Siobhán", "Mei", "Omar",
)
LAST_NAMES = (
    "Müller", "Smith", "García", "Nguyen", "Kowalski", "Johansson", "Rossi", "Tanaka", "Okafor",
    "Schmidt", "Dubois", "Silva", "Kim", "Novak", "Brown", "Fischer", "Martin", "Yılmaz",
    "Andersen", "Costa", "Weber", "Lopez", "Chen", "Popescu", "Walsh", "Larsen", "Moreau",
    "Petrov", "Sato", "Khan", "Ødegaard", "Jensen", "Becker", "Ferreira", "Wong", "Hoffmann",
)
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")
BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
# The first users of every demo data set are these named accounts, with real bcrypt hashes (cost 10,
# as the Prisma app's bcryptjs wrote them) of DEMO_PASSWORD, so that one can log in as a legacy user.
# The other users' hashes are random: nobody can log in as them.
DEMO_PASSWORD = "gaingrid-demo"
DEMO_ACCOUNTS = (
    ("demo1@example.com", "$2b$10$6RTh0Tt6seB0ULxq8ZUg9ujAJ5nbpR720pp2thl49nV1qE/ULlYyu"),
    ("demo2@example.com", "$2b$10$3kqBoUrkG/8nsa2TTIxDeuSTMohoDuz4M9HEBQoDiWahcr6LRAOqa"),
    ("demo3@example.com", "$2b$10$h1zv.rmIVzzpFNN6LwiJqO9Vg3mtEDDPKPPzN7btk.9jB30SE/aPG"),
)

# Workout template: (key, name variants, exercise filter). A filter is either
# primary muscles of strength-family exercises, or catalog categories.
STRENGTH_FAMILY = ("strength", "powerlifting", "olympic weightlifting", "strongman")
_PUSH = ("chest", "shoulders", "triceps")
_PULL = ("lats", "middle back", "biceps", "traps", "forearms", "lower back")
_LEGS = ("quadriceps", "hamstrings", "glutes", "calves", "adductors", "abductors")
WORKOUT_TYPES = (
    ("push", ("Push day", "Push", "Chest & triceps", "Push 💥"), ("muscles", _PUSH)),
    ("pull", ("Pull day", "Pull", "Back & biceps", "Rücken + Bizeps"), ("muscles", _PULL)),
    ("legs", ("Leg day", "Legs", "Beine", "Leg day 🦵"), ("muscles", _LEGS)),
    ("upper", ("Upper body", "Upper", "Oberkörper"), ("muscles", _PUSH + _PULL)),
    ("lower", ("Lower body", "Lower", "Unterkörper"), ("muscles", _LEGS + ("abdominals",))),
    ("full", ("Full body", "Full body A", "Ganzkörper", "Total body"), ("muscles", None)),
    ("core", ("Core", "Abs & core", "Core 🔥"), ("muscles", ("abdominals", "lower back"))),
    ("cardio", ("Cardio", "Conditioning", "HIIT", "Run + jumps"), ("categories", ("cardio", "plyometrics"))),
    ("mobility", ("Mobility", "Stretching", "Yoga-ish", "Dehnen"), ("categories", ("stretching",))),
    ("olympic", ("Olympic lifting", "Snatch & clean", "Technique day"), ("categories", ("olympic weightlifting",))),
    ("strongman", ("Strongman", "Event day", "Strongman 🏋️"), ("categories", ("strongman",))),
)
# Training programs a user follows: the template keys in rotation, and weight.
SPLITS = (
    (("push", "pull", "legs"), 6),
    (("upper", "lower"), 5),
    (("full",), 4),
    (("full", "cardio"), 3),
    (("upper", "lower", "cardio", "mobility"), 2),
    (("push", "pull", "legs", "core"), 2),
    (("cardio", "mobility", "core"), 2),
    (("olympic", "legs", "push"), 1),
    (("strongman", "full"), 1),
)

WORKOUT_NOTES = (
    "Great session", "Tired after work", "Gym was packed", "Deload week", "Short on time",
    "Hotel gym, limited equipment", "New program, week 1", "Slept badly, kept it light",
    "Morning session ☀️", "Nach der Arbeit, etwas müde", "Séance rapide à midi",
    "雨の日、家でトレーニング", "Trained with Sam", "Back after a week off", "Felt strong 💪",
)
SET_NOTES = (
    "Felt strong 💪", "Schulter zwickt — leichter", "très bien", "腰注意", "New PR!",
    "Last set to failure", "Grip gave out", "Slow eccentric", "Pause reps", "RPE 8",
    "Knee a bit sore", "Easy, go heavier next time", "Drop set on the last set",
    "Superset with next exercise", "Form felt off", "Rodilla bien 👍", "Ещё один подход",
)


def ascii_slug(text: str) -> str:
    """'Søren Ødegaard' -> 'soren.odegaard'-style parts for email addresses."""
    text = text.translate(str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ı": "i", "ß": "ss"}))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in text.lower() if c.isalnum())

