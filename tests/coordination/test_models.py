"""The coordination tables: constraints, cascades, and indexes for reports."""

from __future__ import annotations

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.coordination import models
from lms.coordination.models import (
    CohortModule,
    CohortOrganisation,
    CohortParticipant,
    Organisation,
    OrganisationMember,
)
from tests.coordination.helpers import World, build_world
from tests.factories import make_organisation

TABLES = [
    models.Organisation,
    models.OrganisationMember,
    models.CoordinatorOrganisation,
    models.Cohort,
    models.CohortOrganisation,
    models.CohortParticipant,
    models.CohortModule,
    models.Invitation,
    models.CsvUpload,
]


@pytest.mark.parametrize("model", TABLES, ids=lambda m: m.__tablename__)
def test_every_foreign_key_is_indexed_for_reports(model: type) -> None:
    table: Table = model.__table__  # type: ignore[attr-defined]
    leading = {index.columns[0].name for index in table.indexes}
    leading |= {c.columns[0].name for c in table.constraints if hasattr(c, "columns") and c.columns}
    for column in table.columns:
        if column.foreign_keys:
            assert column.name in leading, f"{table.name}.{column.name} has no index"


def test_report_filter_columns_are_indexed() -> None:
    indexed = {
        (index.table.name, column.name)
        for model in TABLES
        for index in model.__table__.indexes  # type: ignore[attr-defined]
        for column in index.columns
    }
    for wanted in [("cohorts", "starts_on"), ("cohorts", "ends_on"), ("cohort_modules", "due_on"),
                   ("organisations", "country"), ("organisations", "kind"),
                   ("invitations", "sent_at"), ("csv_uploads", "expires_at")]:  # fmt: skip
        assert wanted in indexed, wanted


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def test_organisation_names_are_unique_whatever_their_case(session: Session, world: World) -> None:
    with pytest.raises(IntegrityError), session.begin_nested():
        make_organisation(session, name="HANA CENTRE BUSAN", name_key="hana centre busan")


def test_a_person_belongs_to_an_organisation_once(session: Session, world: World) -> None:
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(OrganisationMember(organisation_id=world.mine.id, user_id=world.my_member.id))
        session.flush()


def test_deleting_a_cohort_removes_its_links_but_not_people(session: Session, world: World) -> None:
    cohort_id = world.my_cohort.id
    session.delete(world.my_cohort)
    session.flush()
    session.expire_all()
    for model in (CohortOrganisation, CohortParticipant, CohortModule):
        count = session.scalar(
            select(func.count()).select_from(model).where(model.cohort_id == cohort_id)
        )
        assert count == 0, model
    assert world.my_member.email  # still there


def test_deleting_a_user_removes_their_memberships_and_places(
    session: Session, world: World
) -> None:
    user_id = world.their_member.id
    session.delete(world.their_member)
    session.flush()
    session.expire_all()
    assert (
        session.scalar(
            select(func.count())
            .select_from(OrganisationMember)
            .where(OrganisationMember.user_id == user_id)
        )
        == 0
    )
    assert (
        session.scalar(
            select(func.count())
            .select_from(CohortParticipant)
            .where(CohortParticipant.user_id == user_id)
        )
        == 0
    )
    assert session.get(Organisation, world.theirs.id) is not None
