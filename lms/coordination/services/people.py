"""People in organisations: adding someone (a new invited account or an existing one), editing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth import services as accounts
from lms.auth.models import User
from lms.coordination.invitations import create_invited_user
from lms.coordination.models import Cohort, CohortParticipant, Organisation
from lms.coordination.services import organisations as orgs
from lms.coordination.services.errors import InvalidValue


@dataclass(frozen=True)
class AddedPerson:
    """What adding a person did: ``created`` an invited account; ``joined`` the organisation."""

    user: User
    created: bool
    joined: bool


def add_person(
    session: Session,
    organisation: Organisation,
    *,
    email: str,
    name: str,
    preferred_language: str,
    invited_by: User | None,
) -> AddedPerson:
    """Add the person with this e-mail address to ``organisation``.

    An existing account (matched by e-mail) joins as it is; otherwise an invited account is
    created (send its invitation after committing). Raises InvalidValue.
    """
    try:
        address = accounts.check_email(email)
    except accounts.InvalidEmail as error:
        raise InvalidValue(error.reason, "email") from error
    user = accounts.find_user(session, address)
    created = False
    if user is None:
        try:
            user = create_invited_user(
                session,
                email=address,
                name=name,
                preferred_language=preferred_language,
                invited_by=invited_by,
            )
        except accounts.InvalidName as error:
            raise InvalidValue(error.reason, "name") from error
        except ValueError as error:  # an unsupported language: the form offers only ours
            raise InvalidValue(str(error), "preferred_language") from error
        created = True
    joined = orgs.add_member(session, organisation, user)
    return AddedPerson(user=user, created=created, joined=joined)


def update_person(session: Session, user: User, *, name: str, preferred_language: str) -> None:
    """Correct a person's name or language. Raises InvalidValue."""
    try:
        accounts.update_profile(session, user, name=name, preferred_language=preferred_language)
    except accounts.InvalidName as error:
        raise InvalidValue(error.reason, "name") from error
    except ValueError as error:
        raise InvalidValue(str(error), "preferred_language") from error


def cohorts_of(session: Session, user: User) -> list[Cohort]:
    """The cohorts ``user`` takes part in, latest first."""
    return list(
        session.scalars(
            select(Cohort)
            .join(CohortParticipant, CohortParticipant.cohort_id == Cohort.id)
            .where(CohortParticipant.user_id == user.id)
            .order_by(Cohort.starts_on.desc(), Cohort.id.desc())
        )
    )
