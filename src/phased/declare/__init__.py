"""What a project declares, and the engine's vocabulary: its Project and Phases,
each Backfill's mapping (Parent, Reference), where the engine keeps its own
tables (Namespace), how a name is quoted, and the engine's one error. Pure data:
it imports nothing else of the engine, so every other room can use it.
Change here: a new kind of declaration (a field on Phase, a new Backfill option).
"""
