"""Phase 6, add_performance_indexes: six indexes, named as Prisma names them.

On PostgreSQL they are built CONCURRENTLY, so writers are never blocked.
"""
from phased.schema import ddl

revision = "0006_add_performance_indexes"
down_revision = "0005_add_workout_log"
branch_labels = None
depends_on = None

INDEXES = [
    ("TrainingPlan_userId_status_idx", "TrainingPlan", ["userId", "status"]),
    ("Reminder_userId_active_idx", "Reminder", ["userId", "active"]),
    ("Exercise_primaryMuscleGroup_idx", "Exercise", ["primaryMuscleGroup"]),
    ("Exercise_trainingPlanId_idx", "Exercise", ["trainingPlanId"]),
    ("WorkoutLog_userId_date_idx", "WorkoutLog", ["userId", "date"]),
    ("WorkoutLog_exerciseId_idx", "WorkoutLog", ["exerciseId"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        ddl.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        ddl.drop_index(name, table)
