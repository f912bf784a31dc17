"""GainGrid's migration plan: the phases of ../shared/seed's strategy, as data.

The engine (gaingrid.migrate) runs these; it knows nothing about workouts.
Each phase's DDL is the Alembic revision of the same name in
gaingrid/migrations/versions, and its expected schema is derived from the
models' phase tags.
"""
from gaingrid.migrate.phase import Phase, Project
from gaingrid.models import metadata

PHASES = (
    Phase(1, "legacy", "the baseline Prisma created: User, Workout, Exercise, WorkoutExercise"),
    Phase(2, "extend_user_model", "User gains timezone, lastLogin, isActive, weight, height, fitnessLevel, goals"),
    Phase(3, "add_training_models", "new tables TrainingPlan and Reminder"),
    Phase(4, "extend_exercise_model", "Exercise gains catalog fields and a link to a TrainingPlan"),
    Phase(5, "add_workout_log", "new table WorkoutLog, which takes over from WorkoutExercise"),
    Phase(6, "add_performance_indexes", "six indexes for the new queries, built without blocking writers"),
    Phase(7, "cleanup_old_workout_models", "drop WorkoutExercise (archived first); opt-in: up --to 7", opt_in=True),
)

GAINGRID = Project(
    name="gaingrid",
    phases=PHASES,
    script_location="gaingrid:migrations",
    metadata=metadata,
    namespace="gaingrid_migrate",
    foreign_tables=("_prisma_migrations",),
)
