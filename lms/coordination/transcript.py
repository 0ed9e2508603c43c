"""A person's training record: their modules with progress, quiz attempts, completions and
certificates, gathered in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.certificates.codes import format_code
from lms.certificates.models import Certificate
from lms.certificates.services import Status as CertificateStatus
from lms.certificates.services import status_of
from lms.content.models import ModuleVersion
from lms.coordination.dashboard import Status, classify
from lms.coordination.models import (
    Cohort,
    CohortModule,
    CohortParticipant,
    Organisation,
    OrganisationMember,
)
from lms.courses.models import Enrolment, LessonProgress
from lms.courses.resolution import ResolvedModule, resolve_modules
from lms.db import utcnow
from lms.quiz.models import Completion, QuizAttempt


@dataclass(frozen=True)
class Assignment:
    cohort_id: int
    cohort_name: str
    due_on: date


@dataclass(frozen=True)
class AttemptRecord:
    number: int
    version: int
    language: str
    started_at: datetime
    submitted_at: datetime | None
    score: float | None
    passed: bool | None


@dataclass(frozen=True)
class CompletionRecord:
    completed_at: datetime
    version: int
    language: str
    score: float | None


@dataclass(frozen=True)
class CertificateRecord:
    code: str  # formatted, with hyphens
    version: int
    language: str
    issued_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    status: CertificateStatus


@dataclass(frozen=True)
class ModuleRecord:
    """One module of the person: assigned (through cohorts), enrolled, or both."""

    module_id: str
    title: str
    title_language: str
    assignments: list[Assignment]
    enrolled_at: datetime | None
    last_activity_at: datetime | None
    lessons_done: int
    lessons_total: int
    status: Status
    attempts: list[AttemptRecord]
    completions: list[CompletionRecord]
    certificates: list[CertificateRecord]

    @property
    def due_on(self) -> date | None:
        """The earliest due date of the module's assignments (None when only enrolled)."""
        return min((a.due_on for a in self.assignments), default=None)

    @property
    def progress(self) -> float:
        return self.lessons_done / self.lessons_total if self.lessons_total else 0.0


@dataclass(frozen=True)
class Transcript:
    person: User
    organisations: list[Organisation]
    modules: list[ModuleRecord]
    generated_at: datetime

    def count(self, status: Status) -> int:
        return sum(1 for record in self.modules if record.status is status)


def _assignments(
    session: Session, user_id: int, cohorts_visible: ColumnElement[bool]
) -> dict[str, list[Assignment]]:
    rows = session.execute(
        select(Cohort.id, Cohort.name, CohortModule.module_id, CohortModule.due_on)
        .join(CohortParticipant, CohortParticipant.cohort_id == Cohort.id)
        .join(CohortModule, CohortModule.cohort_id == Cohort.id)
        .where(CohortParticipant.user_id == user_id, cohorts_visible)
        .order_by(CohortModule.due_on, Cohort.name)
    ).tuples()
    found: dict[str, list[Assignment]] = defaultdict(list)
    for cohort_id, name, module_id, due_on in rows:
        found[module_id].append(Assignment(cohort_id, name, due_on))
    return found


def _attempts(session: Session, user_id: int) -> dict[str, list[AttemptRecord]]:
    rows = session.execute(
        select(QuizAttempt, ModuleVersion.module_id, ModuleVersion.version, ModuleVersion.language)
        .join(ModuleVersion, ModuleVersion.id == QuizAttempt.module_version_id)
        .where(QuizAttempt.user_id == user_id)
        .order_by(QuizAttempt.started_at, QuizAttempt.id)
    ).tuples()
    found: dict[str, list[AttemptRecord]] = defaultdict(list)
    for attempt, module_id, version, language in rows:
        found[module_id].append(
            AttemptRecord(
                number=attempt.number,
                version=version,
                language=language,
                started_at=attempt.started_at,
                submitted_at=attempt.submitted_at,
                score=attempt.score,
                passed=attempt.passed,
            )
        )
    return found


def _completions(session: Session, user_id: int) -> dict[str, list[CompletionRecord]]:
    rows = session.execute(
        select(
            Completion.module_id,
            Completion.completed_at,
            ModuleVersion.version,
            Completion.language,
            Completion.score,
        )
        .join(ModuleVersion, ModuleVersion.id == Completion.module_version_id)
        .where(Completion.user_id == user_id)
        .order_by(Completion.completed_at, Completion.id)
    ).tuples()
    found: dict[str, list[CompletionRecord]] = defaultdict(list)
    for module_id, completed_at, version, language, score in rows:
        found[module_id].append(CompletionRecord(completed_at, version, language, score))
    return found


def _certificates(
    session: Session, user_id: int, now: datetime
) -> tuple[dict[str, list[CertificateRecord]], set[str]]:
    """Certificates by module (oldest first), and the modules whose newest unrevoked
    certificate has expired."""
    found: dict[str, list[CertificateRecord]] = defaultdict(list)
    newest: dict[str, Certificate] = {}
    certificates = session.scalars(
        select(Certificate)
        .where(Certificate.user_id == user_id)
        .order_by(Certificate.completed_at, Certificate.id)
    )
    for cert in certificates:
        found[cert.module_id].append(
            CertificateRecord(
                code=format_code(cert.code),
                version=cert.module_version_number,
                language=cert.language,
                issued_at=cert.issued_at,
                expires_at=cert.expires_at,
                revoked_at=cert.revoked_at,
                status=status_of(cert, now),
            )
        )
        if cert.revoked_at is None:
            newest[cert.module_id] = cert  # ordered oldest first: the last one wins
    expired = {
        module_id
        for module_id, cert in newest.items()
        if cert.expires_at is not None and cert.expires_at <= now
    }
    return found, expired


def _opened(session: Session, user_id: int) -> dict[str, set[str]]:
    """The keys of the lessons the person has opened, per module."""
    opened: dict[str, set[str]] = defaultdict(set)
    rows = session.execute(
        select(LessonProgress.module_id, LessonProgress.lesson_key).where(
            LessonProgress.user_id == user_id
        )
    ).tuples()
    for module_id, key in rows:
        opened[module_id].add(key)
    return opened


def organisations_of(
    session: Session, user_id: int, visible: ColumnElement[bool]
) -> list[Organisation]:
    """The person's organisations that the viewer may see, by name."""
    return list(
        session.scalars(
            select(Organisation)
            .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
            .where(OrganisationMember.user_id == user_id, visible)
            .order_by(Organisation.name_key)
        )
    )


def build_transcript(
    session: Session,
    person: User,
    *,
    language: str,
    cohorts_visible: ColumnElement[bool],
    organisations_visible: ColumnElement[bool],
    now: datetime | None = None,
) -> Transcript:
    """The person's transcript, module titles in ``language``.

    ``cohorts_visible`` and ``organisations_visible`` are the viewer's scope conditions
    (``lms.coordination.services.scope``; ``true()`` for the person themself): assignments
    from cohorts outside them are left out. Nine queries whatever the record's size.
    """
    moment = now or utcnow()
    assigned = _assignments(session, person.id, cohorts_visible)
    enrolments = {
        e.module_id: e
        for e in session.scalars(select(Enrolment).where(Enrolment.user_id == person.id))
    }
    attempts = _attempts(session, person.id)
    completions = _completions(session, person.id)
    certificates, expired = _certificates(session, person.id, moment)
    module_ids = set(assigned) | set(enrolments) | set(completions) | set(certificates)
    module_ids |= set(attempts)
    resolved = {m.module_id: m for m in resolve_modules(session, language, module_ids)}
    opened = _opened(session, person.id)
    order = [*resolved, *sorted(module_ids - set(resolved))]
    records = [
        _record(
            module_id,
            resolved.get(module_id),
            assigned.get(module_id, []),
            enrolments.get(module_id),
            opened.get(module_id, set()),
            attempts.get(module_id, []),
            completions.get(module_id, []),
            certificates.get(module_id, []),
            module_id in expired,
            moment.date(),
        )
        for module_id in order
    ]
    return Transcript(
        person=person,
        organisations=organisations_of(session, person.id, organisations_visible),
        modules=records,
        generated_at=moment,
    )


def _record(
    module_id: str,
    module: ResolvedModule | None,
    assignments: list[Assignment],
    enrolment: Enrolment | None,
    opened: set[str],
    attempts: list[AttemptRecord],
    completions: list[CompletionRecord],
    certificates: list[CertificateRecord],
    certificate_expired: bool,
    today: date,
) -> ModuleRecord:
    # Progress counts the lessons of the latest English version (the source).
    counted = (module.english or module.version) if module else None
    keys = {lesson.key for lesson in counted.lessons} if counted else set()
    status = classify(
        completed=bool(completions),
        certificate_expired=certificate_expired,
        due_on=min((a.due_on for a in assignments), default=None),
        started=bool(opened),
        today=today,
    )
    return ModuleRecord(
        module_id=module_id,
        title=module.title if module else module_id,
        title_language=module.language if module else "en",
        assignments=assignments,
        enrolled_at=enrolment.enrolled_at if enrolment else None,
        last_activity_at=enrolment.last_activity_at if enrolment else None,
        lessons_done=len(keys & opened),
        lessons_total=len(keys),
        status=status,
        attempts=attempts,
        completions=completions,
        certificates=certificates,
    )
