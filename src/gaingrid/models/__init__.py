"""The GainGrid schema (target model, legacy tables included) with Prisma's physical names."""
from .base import Base, new_id, utcnow
from .exercise import Exercise, ExerciseCategory
from .training import Reminder, TrainingPlan
from .user import User
from .workout import Workout, WorkoutExercise
from .workout_log import WorkoutLog

metadata = Base.metadata

__all__ = [
    "Base", "Exercise", "ExerciseCategory", "Reminder", "TrainingPlan", "User", "Workout",
    "WorkoutExercise", "WorkoutLog", "metadata", "new_id", "utcnow",
]
