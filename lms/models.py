"""Every model, imported so that ``metadata`` is complete (migrations and tests use it)."""

from lms.auth.models import Role, User
from lms.certificates.models import Certificate, CertificateEvent
from lms.content.models import Lesson, MediaFile, Module, ModuleVersion
from lms.coordination.models import (
    Cohort,
    CohortModule,
    CohortOrganisation,
    CohortParticipant,
    CoordinatorOrganisation,
    CsvUpload,
    Invitation,
    Organisation,
    OrganisationMember,
)
from lms.coordination.reminder_models import ReminderLog
from lms.courses.models import Enrolment, LessonProgress
from lms.db import Base
from lms.quiz.models import Completion, QuizAttempt

metadata = Base.metadata

__all__ = [
    "Certificate",
    "CertificateEvent",
    "Cohort",
    "CohortModule",
    "CohortOrganisation",
    "CohortParticipant",
    "CoordinatorOrganisation",
    "CsvUpload",
    "Invitation",
    "Organisation",
    "OrganisationMember",
    "Completion",
    "QuizAttempt",
    "Enrolment",
    "Lesson",
    "LessonProgress",
    "MediaFile",
    "Module",
    "ModuleVersion",
    "ReminderLog",
    "Role",
    "User",
    "metadata",
]
