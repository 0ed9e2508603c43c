"""A small world for the report tests (matrix and exports): two organisations and every status.

Dates are relative to today (UTC), because the pages report at the time of the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from lms.auth.models import Role, User
from lms.certificates.models import Certificate
from lms.content.models import ModuleVersion
from lms.coordination.models import (
    Cohort,
    CohortModule,
    CohortParticipant,
    Organisation,
    OrganisationMember,
)
from lms.courses.models import LessonProgress
from lms.quiz.models import Completion
from tests.factories import (
    make_cohort,
    make_completion,
    make_coordinator,
    make_member,
    make_module_version,
    make_organisation,
    make_user,
)

TODAY = datetime.now(UTC).date()
NOW = datetime.now(UTC)
PAST_DUE = TODAY - timedelta(days=10)
FUTURE_DUE = TODAY + timedelta(days=30)
BASICS, IDENTIFY, REFERRAL = "trafficking-basics", "victim-identification", "referral-pathways"
FORMULA = '=HYPERLINK("http://evil.example")'  # a name a spreadsheet would run as a formula


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@dataclass
class ReportWorld:
    """``coordinator`` manages ``mine`` only; ``other`` manages ``theirs``."""

    mine: Organisation
    theirs: Organisation
    coordinator: User
    other: User
    admin: User
    my_cohort: Cohort
    their_cohort: Cohort
    shared_cohort: Cohort  # mine and theirs: an admin's, not either coordinator's
    minji: User  # ko; basics completed, identification in progress 1/2
    wang: User  # zh; basics overdue, identification not started
    expired: User  # basics completed, certificate expired
    formula: User  # a name that a spreadsheet would run as a formula
    both: User  # member of mine AND theirs
    li: User  # theirs only: never in the coordinator's reports
    outsider: User  # theirs only, yet a participant of my cohort: still not the coordinator's
    basics: ModuleVersion


def _participate(session: Session, cohort: Cohort, *people: User) -> None:
    for person in people:
        session.add(CohortParticipant(cohort_id=cohort.id, user_id=person.id))


def _assign(session: Session, cohort: Cohort, module_id: str, due_on: date) -> None:
    session.add(CohortModule(cohort_id=cohort.id, module_id=module_id, due_on=due_on))


def _open(session: Session, person: User, module_id: str, *keys: str) -> None:
    for key in keys:
        session.add(LessonProgress(user_id=person.id, module_id=module_id, lesson_key=key))


def certify(
    session: Session, completion: Completion, expires_at: datetime | None, code: str
) -> Certificate:
    """A certificate for ``completion`` (without the PDF machinery)."""
    version = session.get(ModuleVersion, completion.module_version_id)
    assert version is not None
    certificate = Certificate(
        code=code,
        completion_id=completion.id,
        user_id=completion.user_id,
        module_id=completion.module_id,
        module_version_id=completion.module_version_id,
        language=completion.language,
        holder_name="holder",
        module_title=version.title,
        module_title_en=version.title,
        module_version_number=version.version,
        duration_minutes=60,
        completed_at=completion.completed_at,
        expires_at=expires_at,
    )
    session.add(certificate)
    session.flush()
    return certificate


def build_report_world(session: Session) -> ReportWorld:
    three = [("01-intro", "Intro"), ("02-signs", "Signs"), ("03-help", "Help")]
    basics = make_module_version(session, BASICS, lessons=three, title="Trafficking basics")
    make_module_version(session, BASICS, "ko", lessons=three, title="인신매매 기초")
    make_module_version(
        session,
        IDENTIFY,
        lessons=[("01-a", "A"), ("02-b", "B")],
        title="Identifying victims",
    )
    make_module_version(session, REFERRAL, lessons=[("01-a", "A")], title="Referral pathways")
    mine = make_organisation(session, name="Hana Centre Busan")
    theirs = make_organisation(session, name="Sunflower Shelter", country="CN")
    coordinator = make_coordinator(session, (mine,), name="Park Soo-yeon")
    other = make_coordinator(session, (theirs,), name="Wang Fang")
    admin = make_user(session, role=Role.admin, name="Admin")
    minji = make_member(session, mine, name="김민지", preferred_language="ko")
    wang = make_member(session, mine, name="王芳", preferred_language="zh")
    expired = make_member(session, mine, name="Ahn Expired")
    formula = make_member(session, mine, name=FORMULA)
    both = make_member(session, mine, name="Both Orgs")
    session.add(OrganisationMember(organisation_id=theirs.id, user_id=both.id))
    li = make_member(session, theirs, name="李伟", preferred_language="zh")
    outsider = make_member(session, theirs, name="Outsider Theirs")

    my_cohort = make_cohort(session, (mine,), name="Busan spring")
    their_cohort = make_cohort(session, (theirs,), name="Shenyang spring")
    shared_cohort = make_cohort(session, (mine, theirs), name="Joint training")
    _assign(session, my_cohort, BASICS, PAST_DUE)
    _assign(session, my_cohort, IDENTIFY, FUTURE_DUE)
    _participate(session, my_cohort, minji, wang, expired, formula, both, outsider)
    _assign(session, their_cohort, BASICS, PAST_DUE)
    _participate(session, their_cohort, li, both)
    _assign(session, shared_cohort, REFERRAL, FUTURE_DUE)
    _participate(session, shared_cohort, minji, li)
    session.flush()

    done = make_completion(session, minji, basics, completed_at=at(TODAY - timedelta(days=12)))
    certify(session, done, at(TODAY + timedelta(days=700)), "AAAAAAAAAAAAAAAAA")
    _open(session, minji, BASICS, "01-intro", "02-signs", "03-help")
    _open(session, minji, IDENTIFY, "01-a")
    old = make_completion(
        session, expired, basics, completed_at=at(TODAY - timedelta(days=800)), score=75.5
    )
    certify(session, old, at(TODAY - timedelta(days=5)), "BBBBBBBBBBBBBBBBB")
    make_completion(session, formula, basics, completed_at=at(TODAY - timedelta(days=3)))
    make_completion(session, li, basics, completed_at=at(TODAY - timedelta(days=2)))
    make_completion(session, outsider, basics, completed_at=at(TODAY - timedelta(days=2)))
    session.commit()
    return ReportWorld(
        mine, theirs, coordinator, other, admin, my_cohort, their_cohort, shared_cohort,
        minji, wang, expired, formula, both, li, outsider, basics,
    )  # fmt: skip
