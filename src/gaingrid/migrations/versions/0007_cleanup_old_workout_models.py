"""Phase 7, cleanup_old_workout_models: drop the legacy WorkoutExercise table.

Opt-in only (`up --to 7`), after the transition period. Its rows are archived
first, in the same transaction, under a lock that keeps writers out until the
drop commits. Down rebuilds it from WorkoutLog as it is then (and the
workouts a log needs), each entry in its archived workout where that still
matches.
"""
from alembic import op

from gaingrid.phases import WORKOUT_LOG
from phased.schema import ddl, preserve

revision = "0007_cleanup_old_workout_models"
down_revision = "0006_add_performance_indexes"
branch_labels = None
depends_on = None

COLUMNS = ["id", "workoutId", "exerciseId", "sets", "reps", "weight", "time", "notes", "createdAt", "updatedAt"]


def upgrade() -> None:
    preserve.save("7", "WorkoutExercise", COLUMNS)
    op.drop_table("WorkoutExercise")


def downgrade() -> None:
    ddl.recreate_table("WorkoutExercise", as_at=6)  # as the models declare it, so declared once
    # From WorkoutLog as it is now, not from the archive: logs written, edited or deleted at phase 7 count.
    preserve.rebuild_source("7", WORKOUT_LOG)
