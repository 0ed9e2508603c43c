"""Every model, imported so that ``metadata`` is complete (migrations and tests use it)."""

from lms.auth.models import Role, User
from lms.content.models import Lesson, MediaFile, Module, ModuleVersion
from lms.courses.models import Enrolment, LessonProgress
from lms.db import Base
from lms.quiz.models import Completion, QuizAttempt

metadata = Base.metadata

__all__ = [
    "Completion",
    "QuizAttempt",
    "Enrolment",
    "Lesson",
    "LessonProgress",
    "MediaFile",
    "Module",
    "ModuleVersion",
    "Role",
    "User",
    "metadata",
]
