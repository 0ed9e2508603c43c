"""Cohorts: dated training events with organisations, a trainer, participants and modules."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import Role, User
from lms.content.models import Module
from lms.coordination.models import (
    Cohort,
    CohortModule,
    CohortOrganisation,
    CohortParticipant,
    Organisation,
    OrganisationMember,
)
from lms.coordination.services.errors import InvalidValue, NotInScope, UnknownModule

NAME_MAX_LENGTH = 200
PLACE_MAX_LENGTH = 200


@dataclass(frozen=True)
class CohortDetails:
    """The editable facts of a cohort, as entered."""

    name: str
    organisation_ids: Collection[int]
    trainer_id: int | None
    starts_on: date | None
    ends_on: date | None
    is_online: bool
    place: str


def _check(
    session: Session, details: CohortDetails, allowed_organisation_ids: set[int] | None
) -> tuple[str, str, list[int]]:
    """Validate; returns the clean name, place and organisation ids. Raises InvalidValue."""
    name = " ".join(details.name.split())
    if not name:
        raise InvalidValue(_l("Enter the cohort's name."), "name")
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidValue(
            _l("The name can have at most %(n)d characters.", n=NAME_MAX_LENGTH), "name"
        )
    wanted = sorted(set(details.organisation_ids))
    if not wanted:
        raise InvalidValue(_l("Choose at least one organisation."), "organisations")
    existing = set(session.scalars(select(Organisation.id).where(Organisation.id.in_(wanted))))
    if existing != set(wanted):
        raise InvalidValue(_l("Choose organisations from the list."), "organisations")
    if allowed_organisation_ids is not None and not set(wanted) <= allowed_organisation_ids:
        raise NotInScope(_l("You can only choose organisations that you manage."), "organisations")
    if details.trainer_id is not None:
        trainer = session.get(User, details.trainer_id)
        if trainer is None or trainer.role is not Role.trainer:
            raise InvalidValue(_l("Choose a trainer from the list."), "trainer")
    if details.starts_on is None:
        raise InvalidValue(_l("Enter the first day of the cohort."), "starts_on")
    if details.ends_on is None:
        raise InvalidValue(_l("Enter the last day of the cohort."), "ends_on")
    if details.ends_on < details.starts_on:
        raise InvalidValue(_l("The last day cannot be before the first day."), "ends_on")
    place = " ".join(details.place.split())
    if details.is_online:
        place = ""
    elif not place:
        raise InvalidValue(
            _l("Enter where the cohort meets, or tick “Online” if it meets online."), "place"
        )
    elif len(place) > PLACE_MAX_LENGTH:
        raise InvalidValue(
            _l("The place can have at most %(n)d characters.", n=PLACE_MAX_LENGTH), "place"
        )
    return name, place, wanted


def _set_organisations(session: Session, cohort: Cohort, organisation_ids: list[int]) -> None:
    current = {link.organisation_id: link for link in cohort.cohort_organisations}
    for organisation_id, link in current.items():
        if organisation_id not in organisation_ids:
            cohort.cohort_organisations.remove(link)
    for organisation_id in organisation_ids:
        if organisation_id not in current:
            cohort.cohort_organisations.append(CohortOrganisation(organisation_id=organisation_id))


def create_cohort(
    session: Session, details: CohortDetails, *, allowed_organisation_ids: set[int] | None
) -> Cohort:
    """Create a cohort. ``allowed_organisation_ids`` None means any organisation.

    Raises InvalidValue, NotInScope.
    """
    name, place, organisation_ids = _check(session, details, allowed_organisation_ids)
    assert details.starts_on is not None and details.ends_on is not None
    cohort = Cohort(
        name=name,
        trainer_id=details.trainer_id,
        starts_on=details.starts_on,
        ends_on=details.ends_on,
        is_online=details.is_online,
        place=place,
    )
    session.add(cohort)
    _set_organisations(session, cohort, organisation_ids)
    session.flush()
    return cohort


def update_cohort(
    session: Session,
    cohort: Cohort,
    details: CohortDetails,
    *,
    allowed_organisation_ids: set[int] | None,
) -> None:
    """Change a cohort's facts and organisations. Raises InvalidValue, NotInScope."""
    name, place, organisation_ids = _check(session, details, allowed_organisation_ids)
    assert details.starts_on is not None and details.ends_on is not None
    cohort.name = name
    cohort.trainer_id = details.trainer_id
    cohort.starts_on = details.starts_on
    cohort.ends_on = details.ends_on
    cohort.is_online = details.is_online
    cohort.place = place
    _set_organisations(session, cohort, organisation_ids)
    session.flush()


def delete_cohort(session: Session, cohort: Cohort) -> None:
    """Delete the cohort (participants and assigned modules with it; enrolments stay)."""
    session.delete(cohort)
    session.flush()


def load_cohort(session: Session, cohort_id: int) -> Cohort | None:
    """The cohort with its organisations, modules and trainer loaded."""
    return session.scalar(
        select(Cohort)
        .where(Cohort.id == cohort_id)
        .options(
            selectinload(Cohort.cohort_organisations).selectinload(CohortOrganisation.organisation),
            selectinload(Cohort.modules),
            selectinload(Cohort.trainer),
        )
    )


def trainers(session: Session) -> list[User]:
    """Accounts with the trainer role, by name: the people a cohort can be given to."""
    return list(
        session.scalars(
            select(User)
            .where(User.role == Role.trainer, User.is_active_account.is_(True))
            .order_by(func.lower(User.name), User.id)
        )
    )


# Participants --------------------------------------------------------------------------------


def participants(session: Session, cohort: Cohort) -> list[User]:
    """The cohort's participants, by name."""
    return list(
        session.scalars(
            select(User)
            .join(CohortParticipant, CohortParticipant.user_id == User.id)
            .where(CohortParticipant.cohort_id == cohort.id)
            .order_by(func.lower(User.name), User.id)
        )
    )


def candidates(session: Session, cohort: Cohort) -> list[User]:
    """Members of the cohort's organisations who are not participants yet, by name."""
    org_ids = [link.organisation_id for link in cohort.cohort_organisations]
    already = select(CohortParticipant.user_id).where(CohortParticipant.cohort_id == cohort.id)
    member_ids = select(OrganisationMember.user_id).where(
        OrganisationMember.organisation_id.in_(org_ids)
    )
    return list(
        session.scalars(
            select(User)
            .where(User.id.in_(member_ids), User.id.not_in(already))
            .order_by(func.lower(User.name), User.id)
        )
    )


def add_participants(session: Session, cohort: Cohort, user_ids: Iterable[int]) -> int:
    """Add members of the cohort's organisations; returns how many were new.

    Raises NotInScope when someone is not a member of any of the cohort's organisations.
    """
    wanted = set(user_ids)
    if not wanted:
        return 0
    org_ids = [link.organisation_id for link in cohort.cohort_organisations]
    members = set(
        session.scalars(
            select(OrganisationMember.user_id).where(
                OrganisationMember.organisation_id.in_(org_ids),
                OrganisationMember.user_id.in_(wanted),
            )
        )
    )
    if members != wanted:
        raise NotInScope(
            _l("Only members of the cohort's organisations can take part in it."), "participants"
        )
    already = set(
        session.scalars(
            select(CohortParticipant.user_id).where(
                CohortParticipant.cohort_id == cohort.id, CohortParticipant.user_id.in_(wanted)
            )
        )
    )
    for user_id in sorted(wanted - already):
        session.add(CohortParticipant(cohort_id=cohort.id, user_id=user_id))
    session.flush()
    return len(wanted - already)


def add_participant(session: Session, cohort: Cohort, user: User) -> bool:
    """Add one person (no membership check: the caller checked it); False if already in."""
    found = session.scalar(
        select(CohortParticipant.id).where(
            CohortParticipant.cohort_id == cohort.id, CohortParticipant.user_id == user.id
        )
    )
    if found is not None:
        return False
    session.add(CohortParticipant(cohort_id=cohort.id, user_id=user.id))
    session.flush()
    return True


def remove_participant(session: Session, cohort: Cohort, user: User) -> bool:
    """Take ``user`` out of the cohort (their enrolments and progress stay); False if not in."""
    result = session.execute(
        delete(CohortParticipant).where(
            CohortParticipant.cohort_id == cohort.id, CohortParticipant.user_id == user.id
        )
    )
    session.flush()
    return bool(getattr(result, "rowcount", 0))


def is_participant(session: Session, cohort: Cohort, user: User) -> bool:
    """Whether ``user`` takes part in ``cohort``."""
    found = session.scalar(
        select(CohortParticipant.id).where(
            CohortParticipant.cohort_id == cohort.id, CohortParticipant.user_id == user.id
        )
    )
    return found is not None


# Assigned modules ----------------------------------------------------------------------------


def assign_module(session: Session, cohort: Cohort, module_id: str, due_on: date | None) -> bool:
    """Assign a module with its due date, or move the due date; True if newly assigned.

    Raises UnknownModule, InvalidValue.
    """
    if session.get(Module, module_id) is None:
        raise UnknownModule(_l("Choose a module from the list."), "module")
    if due_on is None:
        raise InvalidValue(_l("Enter the date by which the module is due."), "due_on")
    if due_on < cohort.starts_on:
        raise InvalidValue(_l("The due date cannot be before the cohort starts."), "due_on")
    existing = session.scalar(
        select(CohortModule).where(
            CohortModule.cohort_id == cohort.id, CohortModule.module_id == module_id
        )
    )
    if existing is not None:
        existing.due_on = due_on
        session.flush()
        return False
    cohort.modules.append(CohortModule(module_id=module_id, due_on=due_on))
    session.flush()
    return True


def unassign_module(session: Session, cohort: Cohort, module_id: str) -> bool:
    """Remove a module from the cohort (enrolments and progress stay); False if not assigned."""
    result = session.execute(
        delete(CohortModule).where(
            CohortModule.cohort_id == cohort.id, CohortModule.module_id == module_id
        )
    )
    session.expire(cohort, ["modules"])
    session.flush()
    return bool(getattr(result, "rowcount", 0))
