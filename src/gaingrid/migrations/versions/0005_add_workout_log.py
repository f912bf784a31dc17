"""Phase 5, add_workout_log: the WorkoutLog table, which takes over from WorkoutExercise.

Schema only: the engine then installs the sync triggers (in this same
transaction) and runs the backfill declared in gaingrid.phases. On
PostgreSQL the two foreign keys are left out here and added by the engine
after the backfill, NOT VALID and then validated (the phase's
deferred_foreign_keys), so a million rows are checked in one pass instead of
one by one. Down archives the rows: every log is in WorkoutExercise too (the
two-way sync), so the archive keeps what the legacy shape cannot hold (rating,
mood), and a later up puts back the logs whose source still exists.
"""
import sqlalchemy as sa
from alembic import op

from gaingrid.migrations.prisma import TIMESTAMP, created_at, fk, updated_at
from gaingrid.phases import WORKOUT_LOG
from phased.schema import ddl, preserve

revision = "0005_add_workout_log"
down_revision = "0004_extend_exercise_model"
branch_labels = None
depends_on = None

LOG = ["id", "userId", "exerciseId", "date", "sets", "reps", "weight", "durationMinutes", "rating", "mood",
       "notes", "createdAt", "updatedAt"]


def upgrade() -> None:
    deferred = ddl.database().defers_foreign_keys
    foreign_keys = [] if deferred else [
        fk("WorkoutLog_userId_fkey", "userId", "User"),
        fk("WorkoutLog_exerciseId_fkey", "exerciseId", "Exercise"),
    ]
    op.create_table(
        "WorkoutLog",
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("userId", sa.Text, nullable=False),
        sa.Column("exerciseId", sa.Text, nullable=False),
        sa.Column("date", TIMESTAMP, nullable=False),
        sa.Column("sets", sa.Integer, nullable=False),
        sa.Column("reps", sa.Integer, nullable=False),
        sa.Column("weight", sa.Double),
        sa.Column("durationMinutes", sa.Integer),
        sa.Column("rating", sa.Integer),
        sa.Column("mood", sa.Text),
        sa.Column("notes", sa.Text),
        created_at(), updated_at(),
        sa.PrimaryKeyConstraint("id", name="WorkoutLog_pkey"),
        *foreign_keys,
    )
    # Only logs whose WorkoutExercise still exists, as it maps them now: one the legacy app deleted
    # while the phase was down stays deleted, one it edited comes back edited.
    preserve.restore_mapped("5", WORKOUT_LOG, LOG)


def downgrade() -> None:
    preserve.save("5", "WorkoutLog", LOG)
    op.drop_table("WorkoutLog")
