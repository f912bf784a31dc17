"""GainGrid's migration plan: the phases of ../shared/seed's strategy, as data.

The engine (phased) runs these; it knows nothing about workouts.
Each phase's DDL is the Alembic revision of the same name in
gaingrid/migrations/versions, and its expected schema is derived from the
models' phase tags.
"""
import gaingrid
from gaingrid.models import metadata
from phased.declare.backfill import Backfill, Parent, Reference, Reverse
from phased.declare.phase import Phase, Project
from phased.verification.checks.backfill import BackfillMatches
from phased.verification.checks.consistency import NewRowsConsistent
from phased.verification.checks.legacy import LegacyUntouched
from phased.verification.checks.queries import SampleQueries, SampleQuery
from phased.verification.checks.schema import SchemaMatches
from phased.verification.checks.sync import SyncInstalled
from phased.verification.checks.validity import ConstraintsValid

# WorkoutLog takes over from WorkoutExercise: one log per legacy row, with the
# same id, so every log traces back to its source and a rerun never duplicates.
WORKOUT_LOG = Backfill(
    name="workout_log",
    source="WorkoutExercise",
    target="WorkoutLog",
    parents=(Parent("Workout", alias="w", on="workoutId"),),
    references=(Reference("userId", "User"), Reference("exerciseId", "Exercise")),
    columns={
        "id": "s.id",
        "userId": "w.userId",
        "exerciseId": "s.exerciseId",
        "date": "w.date",
        "sets": "s.sets",
        "reps": "s.reps",
        "weight": "s.weight",
        "durationMinutes": "s.time",
        "notes": "s.notes",
        "createdAt": "s.createdAt",
        "updatedAt": "s.updatedAt",
        # rating and mood have no legacy source: left empty.
    },
    # Two-way through the transition (phases 5 and 6): a log the new app writes is mirrored into
    # WorkoutExercise, in the user's workout at exactly the log's date (the first by id, if several),
    # or in a workout the sync creates, and deletes once it has no entry left.
    reverse=Reverse(new_parent={"createdAt": "createdAt", "updatedAt": "updatedAt"}),
)

# Phase 6 exists for these queries of the new app: each must use its index (checked with EXPLAIN).
APP_QUERIES = SampleQueries(
    SampleQuery("/logs by user and date",
                'SELECT id, "exerciseId", date, sets, reps, weight FROM "WorkoutLog" WHERE "userId" = \'sample-user\' '
                "AND date >= '2025-01-01' AND date < '2025-02-01' ORDER BY date DESC, id DESC LIMIT 51",
                "WorkoutLog_userId_date_idx"),
    SampleQuery("/logs/progress by exercise",
                'SELECT date, sets, reps, weight FROM "WorkoutLog" WHERE "exerciseId" = \'sample-exercise\' ORDER BY date',
                "WorkoutLog_exerciseId_idx"),
    SampleQuery("/plans by status",
                'SELECT id, name FROM "TrainingPlan" WHERE "userId" = \'sample-user\' AND status = \'ACTIVE\' '
                'ORDER BY "createdAt" DESC', "TrainingPlan_userId_status_idx"),
)

# The first phase is the baseline another tool made: its rows are what they are (orphans in it
# are the backfill's to quarantine). Each later phase checks what it added.
CONSISTENT = NewRowsConsistent()
PHASES = (
    Phase(1, "legacy", "the baseline Prisma created: User, Workout, Exercise, WorkoutExercise"),
    Phase(2, "extend_user_model", "User gains timezone, lastLogin, isActive, weight, height, fitnessLevel, goals",
          checks=(CONSISTENT,)),
    Phase(3, "add_training_models", "new tables TrainingPlan and Reminder", checks=(CONSISTENT,)),
    Phase(4, "extend_exercise_model", "Exercise gains catalog fields and a link to a TrainingPlan",
          deferred_foreign_keys=("Exercise_trainingPlanId_fkey",), checks=(CONSISTENT,)),
    Phase(5, "add_workout_log", "new table WorkoutLog, filled from WorkoutExercise and kept in step by triggers",
          backfills=(WORKOUT_LOG,), deferred_foreign_keys=("WorkoutLog_userId_fkey", "WorkoutLog_exerciseId_fkey"),
          checks=(CONSISTENT, SyncInstalled(WORKOUT_LOG), BackfillMatches(WORKOUT_LOG))),
    Phase(6, "add_performance_indexes", "six indexes for the new queries, built without blocking writers",
          checks=(CONSISTENT, APP_QUERIES)),
    Phase(7, "cleanup_old_workout_models", "drop WorkoutExercise (archived first); opt-in: up --to 7", opt_in=True,
          retires=("workout_log",), checks=(CONSISTENT,)),
)

GAINGRID = Project(
    name="gaingrid",
    phases=PHASES,
    script_location="gaingrid:migrations",
    metadata=metadata,
    namespace="gaingrid_migrate",
    # Prisma's migration history, and the service's own tables on SQLite (gaingrid.service; on
    # PostgreSQL they live in a schema of their own): no phase's schema.
    foreign_tables=("_prisma_migrations", "gaingrid_service_*"),
    checks=(SchemaMatches(), ConstraintsValid(), LegacyUntouched()),
    # The service rehashes a legacy bcrypt password at its first login (argon2id).
    app_writes={"User": ("password", "updatedAt")},
    command="gaingrid migrate",
    title="GainGrid",
    version=gaingrid.__version__,
)
