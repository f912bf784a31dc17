"""Phase 3, add_training_models: new tables TrainingPlan and Reminder.

Down archives their rows, and a later up puts them back, but not those whose user was
deleted in between (counted in the ledger).
"""
import sqlalchemy as sa
from alembic import op

from gaingrid.migrations.prisma import TIMESTAMP, TRUE, created_at, fk, updated_at
from phased.schema import preserve

revision = "0003_add_training_models"
down_revision = "0002_extend_user_model"
branch_labels = None
depends_on = None

PLAN = ["id", "userId", "name", "description", "status", "targetDurationWeeks", "createdAt", "updatedAt"]
REMINDER = ["id", "userId", "trainingPlanId", "time", "frequency", "message", "lastSent", "active", "createdAt", "updatedAt"]


def upgrade() -> None:
    op.create_table(
        "TrainingPlan",
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("userId", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'ACTIVE'")),
        sa.Column("targetDurationWeeks", sa.Integer),
        created_at(), updated_at(),
        sa.PrimaryKeyConstraint("id", name="TrainingPlan_pkey"),
        fk("TrainingPlan_userId_fkey", "userId", "User"),
    )
    op.create_table(
        "Reminder",
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("userId", sa.Text, nullable=False),
        sa.Column("trainingPlanId", sa.Text),
        sa.Column("time", TIMESTAMP, nullable=False),
        sa.Column("frequency", sa.Text, nullable=False),
        sa.Column("message", sa.Text),
        sa.Column("lastSent", TIMESTAMP),
        sa.Column("active", sa.Boolean, nullable=False, server_default=TRUE),
        created_at(), updated_at(),
        sa.PrimaryKeyConstraint("id", name="Reminder_pkey"),
        fk("Reminder_userId_fkey", "userId", "User"),
        fk("Reminder_trainingPlanId_fkey", "trainingPlanId", "TrainingPlan", ondelete="SET NULL"),
    )
    # Not brought back: a plan or reminder whose user was deleted while the phase was down.
    preserve.restore("3", "TrainingPlan", PLAN, requires={"userId": "User"})
    preserve.restore("3", "Reminder", REMINDER, requires={"userId": "User"}, nulls={"trainingPlanId": "TrainingPlan"})


def downgrade() -> None:
    preserve.save("3", "Reminder", REMINDER)
    preserve.save("3", "TrainingPlan", PLAN)
    op.drop_table("Reminder")
    op.drop_table("TrainingPlan")
