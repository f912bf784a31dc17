"""Phase 1, legacy: the baseline Prisma created (shared/spec/phases/1_legacy.sql).

On a database that Prisma already made, `gaingrid migrate adopt` records this
phase instead of running it.
"""
import sqlalchemy as sa
from alembic import op

from gaingrid.migrations.prisma import TIMESTAMP, created_at, fk, updated_at
from phased.schema import ddl

revision = "0001_legacy"
down_revision = None
branch_labels = None
depends_on = None

CATEGORY = sa.Enum("STRENGTH", "CARDIO", "FLEXIBILITY", "BALANCE", "PLYOMETRICS", "OTHER", name="ExerciseCategory")


def upgrade() -> None:
    op.create_table(
        "User",
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("password", sa.Text, nullable=False),
        created_at(), updated_at(),
        sa.PrimaryKeyConstraint("id", name="User_pkey"),
    )
    op.create_table(
        "Workout",
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("userId", sa.Text, nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("date", TIMESTAMP, nullable=False),
        sa.Column("notes", sa.Text),
        created_at(), updated_at(),
        sa.PrimaryKeyConstraint("id", name="Workout_pkey"),
        fk("Workout_userId_fkey", "userId", "User"),
    )
    op.create_table(
        "Exercise",
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("category", CATEGORY, nullable=False),
        created_at(), updated_at(),
        sa.PrimaryKeyConstraint("id", name="Exercise_pkey"),
    )
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
    op.create_index("User_email_key", "User", ["email"], unique=True)


def downgrade() -> None:
    for table in ("WorkoutExercise", "Exercise", "Workout", "User"):
        op.drop_table(table)
    if ddl.database().has_enum_types:
        op.execute('DROP TYPE "ExerciseCategory"')
