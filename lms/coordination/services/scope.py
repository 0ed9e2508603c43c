"""Who may see and change what.

An admin sees everything. A coordinator sees the organisations assigned to them (their scope),
the people who are members of at least one of those organisations, and the cohorts whose
organisations are ALL in their scope (a cohort shared with an organisation they do not manage
belongs to whoever manages all of its organisations, e.g. an admin). Everyone else sees nothing.

Each rule is an SQL condition, so lists and reports filter in the database.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, false, select, true
from sqlalchemy.orm import Session, aliased

from lms.auth.models import Role, User
from lms.certificates.models import Certificate
from lms.coordination.models import Cohort as CohortModel
from lms.coordination.models import (
    CohortOrganisation,
    CoordinatorOrganisation,
    Organisation,
    OrganisationMember,
)


def sees_everything(actor: User | None) -> bool:
    """Admins, and command-line operators (``actor`` None), are not limited to a scope."""
    return actor is None or actor.role is Role.admin


def may_coordinate(actor: User | None) -> bool:
    """Coordinators and admins (and the command line) may use the coordination pages."""
    return actor is None or actor.role in (Role.coordinator, Role.admin)


def scope_ids_query(actor: User) -> Select[tuple[int]]:
    """The ids of the organisations assigned to ``actor`` (a subquery)."""
    return select(CoordinatorOrganisation.organisation_id).where(
        CoordinatorOrganisation.user_id == actor.id
    )


def organisation_condition(actor: User | None) -> ColumnElement[bool]:
    """True for the organisations ``actor`` may see."""
    if sees_everything(actor):
        return true()
    assert actor is not None
    if not may_coordinate(actor):
        return false()
    return Organisation.id.in_(scope_ids_query(actor))


def cohort_condition(actor: User | None) -> ColumnElement[bool]:
    """True for the cohorts ``actor`` may see: every one of their organisations is in scope."""
    if sees_everything(actor):
        return true()
    assert actor is not None
    if not may_coordinate(actor):
        return false()
    # Aliases, so that a query which itself joins cohort_organisations still correlates
    # these subqueries with the cohort only.
    link = aliased(CohortOrganisation)
    has_any = select(link.id).where(link.cohort_id == CohortModel.id).correlate(CohortModel)
    outside = aliased(CohortOrganisation)
    has_outside = (
        select(outside.id)
        .where(
            outside.cohort_id == CohortModel.id,
            outside.organisation_id.not_in(scope_ids_query(actor)),
        )
        .correlate(CohortModel)
    )
    return has_any.exists() & ~has_outside.exists()


def person_condition(actor: User | None) -> ColumnElement[bool]:
    """True for the users ``actor`` may see: members of an organisation in scope."""
    if sees_everything(actor):
        return true()
    assert actor is not None
    if not may_coordinate(actor):
        return false()
    membership = aliased(OrganisationMember)
    return (
        select(membership.id)
        .where(
            membership.user_id == User.id,
            membership.organisation_id.in_(scope_ids_query(actor)),
        )
        .correlate(User)
        .exists()
    )


def organisation_ids_in_scope(session: Session, actor: User | None) -> set[int] | None:
    """The ids of the organisations in ``actor``'s scope; None means all of them."""
    if sees_everything(actor):
        return None
    assert actor is not None
    if not may_coordinate(actor):
        return set()
    return set(session.scalars(scope_ids_query(actor)))


def visible_organisations(session: Session, actor: User | None) -> list[Organisation]:
    """The organisations ``actor`` may see, by name."""
    return list(
        session.scalars(
            select(Organisation)
            .where(organisation_condition(actor))
            .order_by(Organisation.name_key, Organisation.id)
        )
    )


def organisation_in_scope(session: Session, actor: User | None, organisation_id: int) -> bool:
    """Whether ``actor`` may see the organisation with this id (which may not exist)."""
    found = session.scalar(
        select(Organisation.id).where(
            Organisation.id == organisation_id, organisation_condition(actor)
        )
    )
    return found is not None


def cohort_in_scope(session: Session, actor: User | None, cohort_id: int) -> bool:
    """Whether ``actor`` may see the cohort with this id (which may not exist)."""
    found = session.scalar(
        select(CohortModel.id).where(CohortModel.id == cohort_id, cohort_condition(actor))
    )
    return found is not None


def person_in_scope(session: Session, actor: User | None, user_id: int) -> bool:
    """Whether ``actor`` may see the person with this id (which may not exist)."""
    found = session.scalar(select(User.id).where(User.id == user_id, person_condition(actor)))
    return found is not None


def managed_certificates(actor: User) -> ColumnElement[bool]:
    """A condition on Certificate rows: those of members of ``actor``'s organisations."""
    members = select(OrganisationMember.user_id).where(
        OrganisationMember.organisation_id.in_(scope_ids_query(actor))
    )
    return Certificate.user_id.in_(members)
