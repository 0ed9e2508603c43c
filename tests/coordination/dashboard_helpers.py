"""A world for the dashboard, transcript and reminder tests: two coordinators, every status.

Dates are relative to today (UTC) unless a test passes its own clock, because the pages report
at the time of the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from lms.auth.models import Role, User
from lms.certificates.codes import new_code
from lms.certificates.models import Certificate
from lms.content.models import ModuleVersion
from lms.coordination.models import Cohort, CohortModule, CohortParticipant, Organisation
from lms.courses.models import Enrolment, LessonProgress
from lms.quiz.models import QuizAttempt
from tests.factories import (
    make_cohort,
    make_completion,
    make_coordinator,
    make_member,
    make_module_version,
    make_organisation,
    make_user,
)

BASICS, IDENTIFY = "trafficking-basics", "victim-identification"


def today() -> date:
    return datetime.now(UTC).date()


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def participate(session: Session, cohort: Cohort, *people: User) -> None:
    for person in people:
        session.add(CohortParticipant(cohort_id=cohort.id, user_id=person.id))
    session.flush()


def assign(session: Session, cohort: Cohort, module_id: str, due_on: date) -> None:
    session.add(CohortModule(cohort_id=cohort.id, module_id=module_id, due_on=due_on))
    session.flush()


def open_lessons(session: Session, person: User, module_id: str, *keys: str) -> None:
    session.add(Enrolment(user_id=person.id, module_id=module_id))
    for key in keys:
        session.add(LessonProgress(user_id=person.id, module_id=module_id, lesson_key=key))
    session.flush()


def complete(
    session: Session,
    person: User,
    version: ModuleVersion,
    completed_at: datetime,
    *,
    expires_at: datetime | None = None,
    revoked: bool = False,
    score: float = 90.0,
) -> Certificate:
    """A passed attempt, its completion and its certificate (expiring at ``expires_at``)."""
    attempt = QuizAttempt(
        user_id=person.id,
        module_version_id=version.id,
        number=1,
        layout=[],
        answers={},
        started_at=completed_at - timedelta(minutes=20),
        submitted_at=completed_at,
        score=score,
        passed=True,
    )
    session.add(attempt)
    session.flush()
    completion = make_completion(
        session, person, version, completed_at=completed_at, score=score, attempt_id=attempt.id
    )
    certificate = Certificate(
        code=new_code(),
        completion_id=completion.id,
        user_id=person.id,
        module_id=version.module_id,
        module_version_id=version.id,
        language=version.language,
        holder_name=person.name,
        module_title=version.title,
        module_title_en=version.title,
        module_version_number=version.version,
        duration_minutes=version.duration_minutes,
        completed_at=completed_at,
        issued_at=completed_at,
        expires_at=expires_at,
        revoked_at=completed_at + timedelta(days=1) if revoked else None,
        revoked_reason="Issued in error." if revoked else None,
    )
    session.add(certificate)
    session.flush()
    return certificate


@dataclass
class World:
    """``coordinator`` manages ``mine`` and ``second``; ``other`` manages ``theirs``.

    In ``my_cohort`` (mine and second), basics is overdue and identification due in 20 days:
    minji (ko, mine) completed basics and has opened identification; wang (zh, second) has
    opened basics (overdue) and not identification; expired (mine) completed basics, but the
    certificate has expired; idle (mine) has done nothing.
    ``li`` (theirs) completed basics in ``their_cohort``: never in the coordinator's figures.
    """

    mine: Organisation
    second: Organisation
    theirs: Organisation
    coordinator: User
    other: User
    admin: User
    my_cohort: Cohort
    their_cohort: Cohort
    minji: User
    wang: User
    expired: User
    idle: User
    li: User
    basics: ModuleVersion
    basics_ko: ModuleVersion
    identify: ModuleVersion
    minji_certificate: Certificate
    li_certificate: Certificate  # expires in 10 days


def build_world(session: Session) -> World:
    day = today()
    lessons = [("01-intro", "Introduction"), ("02-signs", "Signs"), ("03-sources", "Sources")]
    basics = make_module_version(
        session, BASICS, title="Trafficking basics", lessons=lessons, certificate_valid_months=24
    )
    basics_ko = make_module_version(
        session,
        BASICS,
        language="ko",
        title="인신매매 기초",
        lessons=[("01-intro", "소개"), ("02-signs", "징후"), ("03-sources", "자료")],
    )
    make_module_version(
        session,
        BASICS,
        language="zh",
        title="人口贩运基础知识",
        lessons=[("01-intro", "介绍"), ("02-signs", "迹象"), ("03-sources", "资料")],
    )
    identify = make_module_version(
        session, IDENTIFY, title="Identifying victims", lessons=[("01-a", "A"), ("02-b", "B")]
    )
    mine = make_organisation(session, name="부산하나센터 Hana Centre Busan")
    second = make_organisation(session, name="Sunflower Shelter 해바라기")
    theirs = make_organisation(session, name="沈阳向日葵庇护所", country="CN")
    coordinator = make_coordinator(session, (mine, second), name="Park Soo-yeon")
    other = make_coordinator(session, (theirs,), name="Wang Fang")
    admin = make_user(session, role=Role.admin, name="Admin")
    minji = make_member(session, mine, name="김민지", preferred_language="ko")
    wang = make_member(session, second, name="王芳", preferred_language="zh")
    expired = make_member(session, mine, name="Expired Certificate")
    idle = make_member(session, mine, name="Idle Trainee")
    li = make_member(session, theirs, name="李伟", preferred_language="zh")
    my_cohort = make_cohort(
        session,
        (mine, second),
        name="Busan spring",
        starts_on=day - timedelta(days=40),
        ends_on=day - timedelta(days=12),
    )
    their_cohort = make_cohort(
        session,
        (theirs,),
        name="Shenyang spring",
        starts_on=day - timedelta(days=40),
        ends_on=day - timedelta(days=12),
    )
    assign(session, my_cohort, BASICS, day - timedelta(days=10))
    assign(session, my_cohort, IDENTIFY, day + timedelta(days=20))
    assign(session, their_cohort, BASICS, day - timedelta(days=10))
    participate(session, my_cohort, minji, wang, expired, idle)
    participate(session, their_cohort, li)

    open_lessons(session, minji, BASICS, "01-intro", "02-signs", "03-sources")
    minji_certificate = complete(
        session,
        minji,
        basics_ko,
        at(day - timedelta(days=15)),
        expires_at=at(day + timedelta(days=700)),
    )
    open_lessons(session, minji, IDENTIFY, "01-a")
    open_lessons(session, wang, BASICS, "01-intro")
    open_lessons(session, expired, BASICS, "01-intro", "02-signs", "03-sources")
    complete(
        session,
        expired,
        basics,
        at(day - timedelta(days=800)),
        expires_at=at(day - timedelta(days=70)),
    )
    open_lessons(session, li, BASICS, "01-intro", "02-signs", "03-sources")
    li_certificate = complete(
        session, li, basics, at(day - timedelta(days=14)), expires_at=at(day + timedelta(days=10))
    )
    session.commit()
    return World(
        mine=mine,
        second=second,
        theirs=theirs,
        coordinator=coordinator,
        other=other,
        admin=admin,
        my_cohort=my_cohort,
        their_cohort=their_cohort,
        minji=minji,
        wang=wang,
        expired=expired,
        idle=idle,
        li=li,
        basics=basics,
        basics_ko=basics_ko,
        identify=identify,
        minji_certificate=minji_certificate,
        li_certificate=li_certificate,
    )
