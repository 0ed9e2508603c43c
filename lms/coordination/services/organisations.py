"""Organisations, their members, and the coordinators assigned to them."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from babel import Locale
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lms.auth.models import Role, User
from lms.coordination.models import (
    CohortOrganisation,
    CoordinatorOrganisation,
    Organisation,
    OrganisationKind,
    OrganisationMember,
)
from lms.coordination.services.errors import DuplicateName, InUse, InvalidValue

NAME_MAX_LENGTH = 200
# Codes CLDR names that are not countries or territories people live in.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "QO", "UN", "XA", "XB", "ZZ"})


@cache
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes (and Kosovo's XK) that Babel can name."""
    return frozenset(
        code
        for code in Locale("en").territories
        if isinstance(code, str)
        and len(code) == 2
        and code.isalpha()
        and code not in _NOT_COUNTRIES
    )


def country_name(code: str, language: str) -> str:
    """The country's name in ``language`` (Babel/CLDR), or the code when Babel has none."""
    return str(Locale.parse(language).territories.get(code, code))


def country_choices(language: str) -> list[tuple[str, str]]:
    """(code, name) for every country, sorted by the name in ``language``."""
    names = Locale.parse(language).territories
    return sorted(
        ((code, str(names.get(code, code))) for code in country_codes()),
        key=lambda pair: pair[1].casefold(),
    )


def clean_name(name: str) -> str:
    """The name as stored: surrounding spaces removed and runs of spaces collapsed."""
    return " ".join(name.split())


def name_key(name: str) -> str:
    """The form in which organisation names are compared: clean and case-folded."""
    return clean_name(name).casefold()


def _check(session: Session, name: str, country: str, kind: str, current_id: int | None) -> None:
    name = clean_name(name)
    if not name:
        raise InvalidValue(_l("Enter the organisation's name."), "name")
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidValue(
            _l("The name can have at most %(n)d characters.", n=NAME_MAX_LENGTH), "name"
        )
    if country not in country_codes():
        raise InvalidValue(_l("Choose a country from the list."), "country")
    if kind not in {k.value for k in OrganisationKind}:
        raise InvalidValue(_l("Choose a kind of organisation from the list."), "kind")
    clash = session.scalar(select(Organisation.id).where(Organisation.name_key == name_key(name)))
    if clash is not None and clash != current_id:
        raise DuplicateName(
            _l("Another organisation is already called “%(name)s”.", name=name), "name"
        )


def create_organisation(
    session: Session, *, name: str, country: str, kind: str, created_by: User | None = None
) -> Organisation:
    """Create an organisation; a coordinator who creates one manages it from then on.

    Raises InvalidValue, DuplicateName.
    """
    _check(session, name, country, kind, None)
    organisation = Organisation(
        name=clean_name(name),
        name_key=name_key(name),
        country=country,
        kind=OrganisationKind(kind),
    )
    session.add(organisation)
    session.flush()
    if created_by is not None and created_by.role is Role.coordinator:
        assign_organisation(session, created_by, organisation)
    return organisation


def update_organisation(
    session: Session, organisation: Organisation, *, name: str, country: str, kind: str
) -> None:
    """Change an organisation's name, country and kind. Raises InvalidValue, DuplicateName."""
    _check(session, name, country, kind, organisation.id)
    organisation.name = clean_name(name)
    organisation.name_key = name_key(name)
    organisation.country = country
    organisation.kind = OrganisationKind(kind)
    session.flush()


def cohort_count(session: Session, organisation: Organisation) -> int:
    """How many cohorts the organisation takes part in."""
    return int(
        session.scalar(
            select(func.count()).where(CohortOrganisation.organisation_id == organisation.id)
        )
        or 0
    )


def member_count(session: Session, organisation: Organisation) -> int:
    """How many people belong to the organisation."""
    return int(
        session.scalar(
            select(func.count()).where(OrganisationMember.organisation_id == organisation.id)
        )
        or 0
    )


def delete_organisation(session: Session, organisation: Organisation) -> None:
    """Delete an organisation and its memberships (the accounts stay). Raises InUse.

    An organisation that takes part in a cohort is kept: removing it would change who
    the cohort belongs to.
    """
    cohorts = cohort_count(session, organisation)
    if cohorts:
        raise InUse(
            lazy_ngettext(
                "“%(name)s” takes part in %(num)d cohort. Remove it from the cohort first.",
                "“%(name)s” takes part in %(num)d cohorts. Remove it from them first.",
                cohorts,
                name=organisation.name,
            )
        )
    session.delete(organisation)
    session.flush()


def find_organisation(session: Session, name: str) -> Organisation | None:
    """The organisation with this name (any case, extra spaces ignored), or None."""
    return session.scalar(select(Organisation).where(Organisation.name_key == name_key(name)))


def is_member(session: Session, organisation: Organisation, user: User) -> bool:
    """Whether ``user`` belongs to ``organisation``."""
    found = session.scalar(
        select(OrganisationMember.id).where(
            OrganisationMember.organisation_id == organisation.id,
            OrganisationMember.user_id == user.id,
        )
    )
    return found is not None


def add_member(session: Session, organisation: Organisation, user: User) -> bool:
    """Make ``user`` a member; returns False when they already were."""
    if is_member(session, organisation, user):
        return False
    session.add(OrganisationMember(organisation_id=organisation.id, user_id=user.id))
    session.flush()
    return True


def remove_member(session: Session, organisation: Organisation, user: User) -> bool:
    """End ``user``'s membership (the account, cohorts and records stay); False if none."""
    result = session.execute(
        delete(OrganisationMember).where(
            OrganisationMember.organisation_id == organisation.id,
            OrganisationMember.user_id == user.id,
        )
    )
    session.flush()
    return bool(getattr(result, "rowcount", 0))


def members(session: Session, organisation: Organisation) -> list[User]:
    """The organisation's members, by name."""
    return list(
        session.scalars(
            select(User)
            .join(OrganisationMember, OrganisationMember.user_id == User.id)
            .where(OrganisationMember.organisation_id == organisation.id)
            .order_by(func.lower(User.name), User.id)
        )
    )


def organisations_of(session: Session, user: User) -> list[Organisation]:
    """Every organisation ``user`` belongs to, by name."""
    return list(
        session.scalars(
            select(Organisation)
            .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
            .where(OrganisationMember.user_id == user.id)
            .order_by(Organisation.name_key)
        )
    )


# Coordinators' scope -------------------------------------------------------------------------


def _require_coordinator(user: User) -> None:
    if user.role is not Role.coordinator:
        raise InvalidValue(
            _l(
                "%(name)s is not a coordinator: only coordinators are given organisations.",
                name=user.name,
            )
        )


def assigned_organisations(session: Session, coordinator: User) -> list[Organisation]:
    """The organisations ``coordinator`` manages, by name."""
    return list(
        session.scalars(
            select(Organisation)
            .join(
                CoordinatorOrganisation, CoordinatorOrganisation.organisation_id == Organisation.id
            )
            .where(CoordinatorOrganisation.user_id == coordinator.id)
            .order_by(Organisation.name_key)
        )
    )


def assign_organisation(session: Session, coordinator: User, organisation: Organisation) -> bool:
    """Let ``coordinator`` manage ``organisation``; False if they already did.

    Raises InvalidValue.
    """
    _require_coordinator(coordinator)
    found = session.scalar(
        select(CoordinatorOrganisation.id).where(
            CoordinatorOrganisation.user_id == coordinator.id,
            CoordinatorOrganisation.organisation_id == organisation.id,
        )
    )
    if found is not None:
        return False
    session.add(CoordinatorOrganisation(user_id=coordinator.id, organisation_id=organisation.id))
    session.flush()
    return True


def unassign_organisation(session: Session, coordinator: User, organisation: Organisation) -> bool:
    """Stop ``coordinator`` managing ``organisation``; False if they did not."""
    result = session.execute(
        delete(CoordinatorOrganisation).where(
            CoordinatorOrganisation.user_id == coordinator.id,
            CoordinatorOrganisation.organisation_id == organisation.id,
        )
    )
    session.flush()
    return bool(getattr(result, "rowcount", 0))


def set_assigned_organisations(
    session: Session, coordinator: User, organisation_ids: Iterable[int]
) -> None:
    """Make exactly these organisations ``coordinator``'s scope. Raises InvalidValue."""
    _require_coordinator(coordinator)
    wanted = set(organisation_ids)
    known = set(session.scalars(select(Organisation.id).where(Organisation.id.in_(wanted))))
    if known != wanted:
        raise InvalidValue(_l("Choose organisations from the list."), "organisations")
    current = set(
        session.scalars(
            select(CoordinatorOrganisation.organisation_id).where(
                CoordinatorOrganisation.user_id == coordinator.id
            )
        )
    )
    if current - wanted:
        session.execute(
            delete(CoordinatorOrganisation).where(
                CoordinatorOrganisation.user_id == coordinator.id,
                CoordinatorOrganisation.organisation_id.in_(current - wanted),
            )
        )
    for organisation_id in sorted(wanted - current):
        session.add(
            CoordinatorOrganisation(user_id=coordinator.id, organisation_id=organisation_id)
        )
    session.flush()
