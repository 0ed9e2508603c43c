"""One ``get_<thing>_or_404(id, user)`` per object of the coordination pages.

Something outside the person's scope answers 404, exactly as if it did not exist, for GET and
POST alike: a coordinator cannot even learn which ids other organisations use. Pages a role may
not open at all (a trainee's, or a coordinator on an admin page) answer 403.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.auth.models import Role, User
from lms.coordination.models import Cohort, CohortOrganisation, CsvUpload, Organisation
from lms.coordination.services import scope
from lms.extensions import db


def get_organisation_or_404(organisation_id: int, user: User) -> Organisation:
    """The organisation, if ``user`` may see it; else a 404 page."""
    organisation = db.session.scalar(
        select(Organisation).where(
            Organisation.id == organisation_id, scope.organisation_condition(user)
        )
    )
    if organisation is None:
        abort(404)
    return organisation


def get_cohort_or_404(cohort_id: int, user: User) -> Cohort:
    """The cohort (organisations, modules and trainer loaded), if ``user`` may see it."""
    cohort = db.session.scalar(
        select(Cohort)
        .where(Cohort.id == cohort_id, scope.cohort_condition(user))
        .options(
            selectinload(Cohort.cohort_organisations).selectinload(CohortOrganisation.organisation),
            selectinload(Cohort.modules),
            selectinload(Cohort.trainer),
        )
    )
    if cohort is None:
        abort(404)
    return cohort


def get_person_or_404(user_id: int, user: User) -> User:
    """A person in ``user``'s scope (a member of one of their organisations); else 404."""
    person = db.session.scalar(select(User).where(User.id == user_id, scope.person_condition(user)))
    if person is None:
        abort(404)
    return person


def get_upload_or_404(token: str, user: User, *, lock: bool = False) -> CsvUpload:
    """An uploaded CSV file, to the person who uploaded it only; else 404.

    ``lock`` holds the row until commit (PostgreSQL), so two confirmations run one by one.
    """
    query = select(CsvUpload).where(CsvUpload.token == token, CsvUpload.owner_id == user.id)
    upload = db.session.scalar(query.with_for_update() if lock else query)
    if upload is None:
        abort(404)
    return upload


def get_coordinator_or_404(user_id: int, user: User) -> User:
    """A coordinator account, for the admin's scope page (others get 403 from the view)."""
    if user.role is not Role.admin:
        abort(403)
    coordinator = db.session.get(User, user_id)
    if coordinator is None or coordinator.role is not Role.coordinator:
        abort(404)
    return coordinator
