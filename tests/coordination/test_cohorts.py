"""Cohorts: creating and editing with validation, participants, assigned modules, enrolment."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.coordination.models import Cohort, CohortModule, CohortParticipant
from lms.coordination.services import cohorts as cohort_service
from lms.coordination.services import enrolment
from lms.coordination.services.errors import InvalidValue, NotInScope, UnknownModule
from lms.courses.models import Enrolment
from lms.courses.services import enrol
from tests.conftest import sign_in
from tests.coordination.helpers import World, build_world, snapshot
from tests.factories import make_member, make_user


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def cohort_data(world: World, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Seoul autumn",
        "organisations": [world.mine.id],
        "trainer": 0,
        "starts_on": "2025-09-01",
        "ends_on": "2025-09-05",
        "place": "Seoul",
    }
    data.update(overrides)
    return data


def enrolled_pairs(session: Session) -> set[tuple[int, str]]:
    session.expire_all()
    return set(session.execute(select(Enrolment.user_id, Enrolment.module_id)).tuples().all())


def test_a_coordinator_creates_a_cohort_with_a_trainer(
    client: FlaskClient, session: Session, world: World
) -> None:
    trainer = make_user(session, role="trainer", name="Li Wei 李伟")
    session.commit()
    sign_in(client, world.coordinator)
    form = client.get("/coordination/cohorts/new")
    assert "Li Wei 李伟" in form.text
    assert "Sunflower Shelter" not in form.text  # only their own organisations are offered
    response = client.post("/coordination/cohorts/new", data=cohort_data(world, trainer=trainer.id))
    assert response.status_code == 302
    session.expire_all()
    cohort = session.scalars(select(Cohort).where(Cohort.name == "Seoul autumn")).one()
    assert (cohort.trainer_id, cohort.starts_on, cohort.ends_on, cohort.place) == (
        trainer.id, date(2025, 9, 1), date(2025, 9, 5), "Seoul",
    )  # fmt: skip
    assert [o.id for o in cohort.organisations] == [world.mine.id]
    page = client.get(response.headers["Location"])
    assert "Sep 1, 2025 to Sep 5, 2025" in page.text  # dates by Babel


def test_cohort_dates_are_written_the_korean_way_in_korean(
    client: FlaskClient, session: Session, world: World
) -> None:
    world.coordinator.preferred_language = "ko"
    session.commit()
    sign_in(client, world.coordinator)
    page = client.get(f"/coordination/cohorts/{world.my_cohort.id}")
    assert "2025. 3. 3." in page.text


def test_an_online_cohort_needs_no_place(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in(client, world.coordinator)
    response = client.post(
        "/coordination/cohorts/new", data=cohort_data(world, place="", is_online="y")
    )
    assert response.status_code == 302
    session.expire_all()
    cohort = session.scalars(select(Cohort).where(Cohort.name == "Seoul autumn")).one()
    assert cohort.is_online and cohort.place == ""
    assert "Online" in client.get(response.headers["Location"]).text


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the cohort"),
        ({"organisations": []}, "organisations", "Choose at least one organisation."),
        ({"organisations": ["THEIRS"]}, "organisations",
         "You can only choose organisations that you manage."),
        ({"organisations": [999999]}, "organisations", "Choose organisations from the list."),
        ({"trainer": "MEMBER"}, "trainer", "Choose a trainer from the list."),
        ({"starts_on": ""}, "starts_on", "Enter the first day."),
        ({"starts_on": "1 March"}, "starts_on", "Enter a date like 2025-03-31."),
        ({"ends_on": "2025-08-31"}, "ends_on", "The last day cannot be before the first day."),
        ({"place": ""}, "place", "Enter where the cohort meets"),
    ],
)  # fmt: skip
def test_cohort_form_errors_are_shown_at_the_field(
    client: FlaskClient,
    session: Session,
    world: World,
    overrides: dict[str, object],
    field: str,
    message: str,
) -> None:
    values = {"THEIRS": world.theirs.id, "MEMBER": world.my_member.id}
    overrides = dict(overrides)  # the parameters are shared by both databases' runs
    for key, value in list(overrides.items()):
        if isinstance(value, list):
            overrides[key] = [values.get(v, v) for v in value]
        elif isinstance(value, str) and value in values:
            overrides[key] = values[value]
    sign_in(client, world.coordinator)
    before = snapshot(session)
    response = client.post("/coordination/cohorts/new", data=cohort_data(world, **overrides))
    assert response.status_code == 200
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', response.text)
    assert error, response.text
    assert message in error.group(1)
    assert snapshot(session) == before


def test_editing_a_cohort(client: FlaskClient, session: Session, world: World) -> None:
    sign_in(client, world.coordinator)
    url = f"/coordination/cohorts/{world.my_cohort.id}/edit"
    assert 'value="Busan spring"' in client.get(url).text
    response = client.post(url, data=cohort_data(world, name="Busan spring (moved)"))
    assert response.status_code == 302
    session.expire_all()
    assert world.my_cohort.name == "Busan spring (moved)"
    assert world.my_cohort.starts_on == date(2025, 9, 1)


def test_deleting_a_cohort_keeps_enrolments(
    client: FlaskClient, session: Session, world: World
) -> None:
    enrol(session, world.my_member.id, "trafficking-basics")
    session.commit()
    cohort_id = world.my_cohort.id
    sign_in(client, world.coordinator)
    assert client.post(f"/coordination/cohorts/{cohort_id}/delete").status_code == 302
    session.expire_all()
    assert session.get(Cohort, cohort_id) is None
    assert (
        session.scalar(
            select(func.count())
            .select_from(CohortParticipant)
            .where(CohortParticipant.cohort_id == cohort_id)
        )
        == 0
    )
    assert (world.my_member.id, "trafficking-basics") in enrolled_pairs(session)


def test_adding_and_removing_participants(
    client: FlaskClient, session: Session, world: World
) -> None:
    newcomer = make_member(session, world.mine, name="정하늘")
    session.commit()
    sign_in(client, world.coordinator)
    page = client.get(f"/coordination/cohorts/{world.my_cohort.id}")
    assert "정하늘" in page.text
    assert "李伟" not in page.text  # not a member of the cohort's organisation
    response = client.post(
        f"/coordination/cohorts/{world.my_cohort.id}/participants",
        data={"participants": [newcomer.id]},
    )
    assert response.status_code == 302
    assert cohort_service.is_participant(session, world.my_cohort, newcomer)
    nobody = client.post(f"/coordination/cohorts/{world.my_cohort.id}/participants", data={})
    assert "Tick at least one person to add." in nobody.text
    # Someone from another organisation cannot be slipped in by id.
    refused = client.post(
        f"/coordination/cohorts/{world.my_cohort.id}/participants",
        data={"participants": [world.their_member.id]},
    )
    assert "Only members of the cohort" in refused.text
    removed = client.post(
        f"/coordination/cohorts/{world.my_cohort.id}/participants/{newcomer.id}/remove"
    )
    assert removed.status_code == 302
    session.expire_all()
    assert not cohort_service.is_participant(session, world.my_cohort, newcomer)


def test_assigning_modules_with_due_dates(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in(client, world.coordinator)
    url = f"/coordination/cohorts/{world.my_cohort.id}/modules"
    response = client.post(url, data={"module": "victim-identification", "due_on": "2025-04-30"})
    assert response.status_code == 302
    again = client.post(url, data={"module": "victim-identification", "due_on": "2025-05-31"})
    assert again.status_code == 302
    session.expire_all()
    due = session.scalars(
        select(CohortModule.due_on).where(
            CohortModule.cohort_id == world.my_cohort.id,
            CohortModule.module_id == "victim-identification",
        )
    ).all()
    assert due == [date(2025, 5, 31)]  # assigned once; the date moved
    early = client.post(url, data={"module": "victim-identification", "due_on": "2025-01-01"})
    assert "The due date cannot be before the cohort starts." in early.text
    unknown = client.post(url, data={"module": "no-such-module", "due_on": "2025-04-30"})
    assert "Choose a module from the list." in unknown.text
    removed = client.post(
        f"/coordination/cohorts/{world.my_cohort.id}/modules/victim-identification/remove"
    )
    assert removed.status_code == 302
    not_assigned = client.post(
        f"/coordination/cohorts/{world.my_cohort.id}/modules/victim-identification/remove"
    )
    assert not_assigned.status_code == 404


def test_enrolling_a_whole_cohort_is_idempotent(
    client: FlaskClient, session: Session, world: World
) -> None:
    second = make_member(session, world.mine)
    cohort_service.add_participants(session, world.my_cohort, [second.id])
    cohort_service.assign_module(
        session, world.my_cohort, "victim-identification", date(2025, 3, 31)
    )
    enrol(session, world.my_member.id, "trafficking-basics")  # one already enrolled
    session.commit()
    sign_in(client, world.coordinator)
    response = client.post(f"/coordination/cohorts/{world.my_cohort.id}/enrol")
    assert response.status_code == 302
    assert "3 new enrolments" in client.get(response.headers["Location"]).text
    expected = {
        (user.id, module)
        for user in (world.my_member, second)
        for module in ("trafficking-basics", "victim-identification")
    }
    assert enrolled_pairs(session) == expected
    client.post(f"/coordination/cohorts/{world.my_cohort.id}/enrol")
    assert enrolled_pairs(session) == expected
    assert session.scalar(select(func.count()).select_from(Enrolment)) == 4


def test_enrolling_a_whole_organisation(
    client: FlaskClient, session: Session, world: World
) -> None:
    second = make_member(session, world.mine)
    session.commit()
    sign_in(client, world.coordinator)
    url = f"/coordination/organisations/{world.mine.id}/enrol"
    response = client.post(url, data={"modules": ["trafficking-basics", "victim-identification"]})
    assert response.status_code == 302
    assert enrolled_pairs(session) == {
        (user.id, module)
        for user in (world.my_member, second)
        for module in ("trafficking-basics", "victim-identification")
    }
    none_chosen = client.post(url, data={})
    assert "Choose at least one module." in none_chosen.text
    again = client.post(url, data={"modules": ["trafficking-basics"]})
    assert "0 new enrolments" in client.get(again.headers["Location"]).text


def test_enrolling_one_person(client: FlaskClient, session: Session, world: World) -> None:
    sign_in(client, world.coordinator)
    url = f"/coordination/people/{world.my_member.id}/enrol"
    response = client.post(url, data={"module": "victim-identification"})
    assert response.status_code == 302
    assert "is now enrolled in" in client.get(response.headers["Location"]).text
    assert enrolled_pairs(session) == {(world.my_member.id, "victim-identification")}
    again = client.post(url, data={"module": "victim-identification"})
    assert "was already enrolled" in client.get(again.headers["Location"]).text
    assert enrolled_pairs(session) == {(world.my_member.id, "victim-identification")}


def test_enrolment_services_refuse_unknown_modules_and_empty_cohorts(
    app: Flask, session: Session, world: World
) -> None:
    with app.app_context():
        with pytest.raises(UnknownModule):
            enrolment.enrol_users(session, [world.my_member.id], ["no-such-module"])
        empty = cohort_service.create_cohort(
            session,
            cohort_service.CohortDetails(
                name="Empty", organisation_ids=[world.mine.id], trainer_id=None,
                starts_on=date(2025, 1, 1), ends_on=date(2025, 1, 2), is_online=True, place="",
            ),
            allowed_organisation_ids=None,
        )  # fmt: skip
        with pytest.raises(InvalidValue, match="Assign at least one module"):
            enrolment.enrol_cohort(session, empty)
        with pytest.raises(NotInScope):
            cohort_service.create_cohort(
                session,
                cohort_service.CohortDetails(
                    name="Theirs", organisation_ids=[world.theirs.id], trainer_id=None,
                    starts_on=date(2025, 1, 1), ends_on=date(2025, 1, 2), is_online=True,
                    place="",
                ),
                allowed_organisation_ids={world.mine.id},
            )  # fmt: skip
