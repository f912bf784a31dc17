"""Phase 7, cleanup_old_workout_models: drop the legacy WorkoutExercise table.

Opt-in only (`up --to 7`), after the transition period. Its rows are archived
first, in the same transaction, and down puts them back.
"""
import sqlalchemy as sa
from alembic import op

from gaingrid.migrate import preserve
from gaingrid.migrations.prisma import created_at, fk, updated_at

revision = "0007_cleanup_old_workout_models"
down_revision = "0006_add_performance_indexes"
branch_labels = None
depends_on = None

COLUMNS = ["id", "workoutId", "exerciseId", "sets", "reps", "weight", "time", "notes", "createdAt", "updatedAt"]


def upgrade() -> None:
    preserve.save("7", "WorkoutExercise", COLUMNS)
    op.drop_table("WorkoutExercise")


def downgrade() -> None:
    op.create_table(
        "WorkoutExercise",
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("workoutId", sa.Text, nullable=False),
        sa.Column("exerciseId", sa.Text, nullable=False),
        sa.Column("sets", sa.Integer, nullable=False),
        sa.Column("reps", sa.Integer, nullable=False),
        sa.Column("weight", sa.Double),
        sa.Column("time", sa.Integer),
        sa.Column("notes", sa.Text),
        created_at(), updated_at(),
        sa.PrimaryKeyConstraint("id", name="WorkoutExercise_pkey"),
        fk("WorkoutExercise_workoutId_fkey", "workoutId", "Workout", ondelete="CASCADE"),
        fk("WorkoutExercise_exerciseId_fkey", "exerciseId", "Exercise"),
    )
    preserve.restore("7", "WorkoutExercise", COLUMNS)
