"""Enrolling one person, a whole cohort or a whole organisation (idempotent: never twice)."""

from __future__ import annotations

from collections.abc import Collection

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.content.models import Module
from lms.coordination.models import (
    Cohort,
    CohortModule,
    CohortParticipant,
    Organisation,
    OrganisationMember,
)
from lms.coordination.services.errors import InvalidValue, UnknownModule
from lms.courses.models import Enrolment
from lms.courses.services import enrol

_CHUNK = 500  # ids per IN (...) list: well under every backend's parameter limit


def _check_modules(session: Session, module_ids: Collection[str]) -> list[str]:
    wanted = sorted(set(module_ids))
    if not wanted:
        raise InvalidValue(_l("Choose at least one module."), "modules")
    known = set(session.scalars(select(Module.id).where(Module.id.in_(wanted))))
    if known != set(wanted):
        raise UnknownModule(_l("Choose modules from the list."), "modules")
    return wanted


def enrol_users(session: Session, user_ids: Collection[int], module_ids: Collection[str]) -> int:
    """Enrol every user in every module; returns how many enrolments are new.

    Existing enrolments are read in one query per chunk of users, so only the missing
    pairs go through ``lms.courses.services.enrol``. Raises InvalidValue, UnknownModule.
    """
    modules = _check_modules(session, module_ids)
    users = sorted(set(user_ids))
    existing: set[tuple[int, str]] = set()
    for start in range(0, len(users), _CHUNK):
        chunk = users[start : start + _CHUNK]
        existing.update(
            session.execute(
                select(Enrolment.user_id, Enrolment.module_id).where(
                    Enrolment.user_id.in_(chunk), Enrolment.module_id.in_(modules)
                )
            ).tuples()
        )
    created = 0
    for user_id in users:
        for module_id in modules:
            if (user_id, module_id) not in existing:
                _enrolment, new = enrol(session, user_id, module_id)
                created += int(new)
    session.flush()
    return created


def enrol_person(session: Session, user_id: int, module_id: str) -> bool:
    """Enrol one person in one module; False if they already were. Raises UnknownModule."""
    return enrol_users(session, [user_id], [module_id]) == 1


def enrol_cohort(session: Session, cohort: Cohort) -> int:
    """Enrol every participant in every module assigned to the cohort; returns how many new.

    Raises InvalidValue when the cohort has no modules yet.
    """
    module_ids = list(
        session.scalars(select(CohortModule.module_id).where(CohortModule.cohort_id == cohort.id))
    )
    if not module_ids:
        raise InvalidValue(_l("Assign at least one module to the cohort first."))
    user_ids = list(
        session.scalars(
            select(CohortParticipant.user_id).where(CohortParticipant.cohort_id == cohort.id)
        )
    )
    if not user_ids:
        return 0
    return enrol_users(session, user_ids, module_ids)


def enrol_organisation(
    session: Session, organisation: Organisation, module_ids: Collection[str]
) -> int:
    """Enrol every member of the organisation in these modules; returns how many are new."""
    user_ids = list(
        session.scalars(
            select(OrganisationMember.user_id).where(
                OrganisationMember.organisation_id == organisation.id
            )
        )
    )
    modules = _check_modules(session, module_ids)
    if not user_ids:
        return 0
    return enrol_users(session, user_ids, modules)
