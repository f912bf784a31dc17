"""Phase 4, extend_exercise_model: catalog fields on Exercise, and its link to a TrainingPlan.

PostgreSQL adds the nullable columns in place and the foreign key NOT VALID;
the engine validates it in a transaction of its own (the phase's
deferred_foreign_keys), so no lock is held while Exercise is scanned. SQLite cannot add a named foreign key to an existing
table, so it rebuilds Exercise (a catalog-sized table) in batch mode.
Down archives the new columns' values, and a later up puts them back.
"""
import sqlalchemy as sa
from alembic import op

from gaingrid.migrations.prisma import NOW, TIMESTAMP
from phased.schema import ddl, preserve

revision = "0004_extend_exercise_model"
down_revision = "0003_add_training_models"
branch_labels = None
depends_on = None

FK = "Exercise_trainingPlanId_fkey"
def new_columns() -> list[sa.Column]:
    return [
        sa.Column("defaultReps", sa.Integer),
        sa.Column("defaultSets", sa.Integer),
        sa.Column("difficulty", sa.Text),
        sa.Column("durationMinutes", sa.Integer),
        sa.Column("equipment", sa.Text),
        sa.Column("instructions", sa.Text),
        sa.Column("otherMuscles", sa.Text),
        sa.Column("primaryMuscleGroup", sa.Text),
        sa.Column("trainingPlanId", sa.Text),
    ]


NAMES = ["id", *(c.name for c in new_columns())]


def _exercise(with_new_columns: bool) -> sa.Table:
    """Exercise as it stands before (or after) this phase: what SQLite's rebuild copies from."""
    columns = [
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("category", sa.Enum("STRENGTH", "CARDIO", "FLEXIBILITY", "BALANCE", "PLYOMETRICS", "OTHER",
                                      name="ExerciseCategory", create_constraint=False), nullable=False),
        sa.Column("createdAt", TIMESTAMP, nullable=False, server_default=NOW),
        sa.Column("updatedAt", TIMESTAMP, nullable=False),
    ]
    extra = []
    if with_new_columns:
        columns += new_columns()
        extra.append(sa.ForeignKeyConstraint(["trainingPlanId"], ["TrainingPlan.id"], name=FK,
                                             ondelete="SET NULL", onupdate="CASCADE"))
    return sa.Table("Exercise", sa.MetaData(), *columns, sa.PrimaryKeyConstraint("id", name="Exercise_pkey"), *extra)


def upgrade() -> None:
    if ddl.database().defers_foreign_keys:
        for column in new_columns():
            op.add_column("Exercise", column)
        ddl.add_foreign_key_not_valid(FK, "Exercise", ["trainingPlanId"], "TrainingPlan", ["id"], ondelete="SET NULL")
    else:
        with op.batch_alter_table("Exercise", copy_from=_exercise(False), recreate="always") as batch:
            for column in new_columns():
                batch.add_column(column)
            batch.create_foreign_key(FK, "TrainingPlan", ["trainingPlanId"], ["id"],
                                     ondelete="SET NULL", onupdate="CASCADE")
    preserve.restore("4", "Exercise", NAMES, key="id", nulls={"trainingPlanId": "TrainingPlan"})


def downgrade() -> None:
    preserve.save("4", "Exercise", NAMES)
    if ddl.database().defers_foreign_keys:
        op.drop_constraint(FK, "Exercise", type_="foreignkey")
        for name in reversed(NAMES[1:]):
            op.drop_column("Exercise", name)
    else:
        with op.batch_alter_table("Exercise", copy_from=_exercise(True), recreate="always") as batch:
            batch.drop_constraint(FK, type_="foreignkey")
            for name in reversed(NAMES[1:]):
                batch.drop_column(name)
