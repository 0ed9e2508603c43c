"""A small world of two organisations for the coordination tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.auth.models import Role, User
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
from lms.courses.models import Enrolment
from tests.factories import (
    make_cohort,
    make_coordinator,
    make_member,
    make_module_version,
    make_organisation,
    make_user,
)


@dataclass
class World:
    """Coordinator ``coordinator`` manages ``mine``; ``theirs`` belongs to ``other``."""

    mine: Organisation
    theirs: Organisation
    coordinator: User
    other: User
    admin: User
    my_member: User
    their_member: User
    my_cohort: Cohort
    their_cohort: Cohort
    shared_cohort: Cohort  # mine AND theirs: out of both coordinators' scope


def build_world(session: Session) -> World:
    make_module_version(session, "trafficking-basics")
    make_module_version(session, "victim-identification")
    mine = make_organisation(session, name="Hana Centre Busan")
    theirs = make_organisation(session, name="Sunflower Shelter", country="CN")
    coordinator = make_coordinator(session, (mine,), name="Park Soo-yeon")
    other = make_coordinator(session, (theirs,), name="Wang Fang")
    admin = make_user(session, role=Role.admin, name="Admin")
    my_member = make_member(session, mine, name="김민지")
    their_member = make_member(session, theirs, name="李伟")
    my_cohort = make_cohort(session, (mine,), name="Busan spring")
    their_cohort = make_cohort(session, (theirs,), name="Shenyang spring")
    shared_cohort = make_cohort(session, (mine, theirs), name="Joint training")
    for cohort, member in ((my_cohort, my_member), (their_cohort, their_member)):
        session.add(CohortParticipant(cohort_id=cohort.id, user_id=member.id))
        session.add(
            CohortModule(cohort_id=cohort.id, module_id="trafficking-basics", due_on=cohort.ends_on)
        )
    session.add(CohortParticipant(cohort_id=shared_cohort.id, user_id=their_member.id))
    session.add(
        CohortModule(
            cohort_id=shared_cohort.id, module_id="trafficking-basics", due_on=shared_cohort.ends_on
        )
    )
    session.flush()
    session.commit()
    return World(
        mine, theirs, coordinator, other, admin, my_member, their_member,
        my_cohort, their_cohort, shared_cohort,
    )  # fmt: skip


TABLES: tuple[Any, ...] = (
    Organisation,
    OrganisationMember,
    CoordinatorOrganisation,
    Cohort,
    CohortOrganisation,
    CohortParticipant,
    CohortModule,
    Invitation,
    CsvUpload,
    Enrolment,
    User,
)


def snapshot(session: Session) -> dict[str, Any]:
    """Row counts of every coordination table, plus the names that edits would change."""
    session.expire_all()
    counts: dict[str, Any] = {
        model.__tablename__: session.scalar(select(func.count()).select_from(model))
        for model in TABLES
    }
    counts["organisation names"] = sorted(session.scalars(select(Organisation.name)))
    counts["cohort names"] = sorted(session.scalars(select(Cohort.name)))
    counts["user names"] = sorted(session.scalars(select(User.name)))
    counts["password hashes"] = sorted(session.scalars(select(User.password_hash)))
    return counts
