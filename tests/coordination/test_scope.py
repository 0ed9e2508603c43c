"""Scope: a coordinator reaches only their organisations, their people and their cohorts.

Anything outside answers 404 (as if it did not exist), for GET and POST alike, and changes
nothing; pages a role may not use at all answer 403.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lms.coordination.services import scope
from lms.coordination.uploads import store_upload
from tests.conftest import sign_in
from tests.coordination.helpers import World, build_world, snapshot
from tests.factories import make_user

CSV = b"name,email,organisation\nAnn,ann@example.org,Sunflower Shelter\n"

# (method, url, form data): every coordination page, aimed at something out of scope.
Target = tuple[str, Callable[[World, str], str], dict[str, object]]
OUT_OF_SCOPE: list[Target] = [
    ("GET", lambda w, t: f"/coordination/organisations/{w.theirs.id}", {}),
    ("GET", lambda w, t: f"/coordination/organisations/{w.theirs.id}/edit", {}),
    ("POST", lambda w, t: f"/coordination/organisations/{w.theirs.id}/edit",
     {"name": "Taken over", "country": "KR", "kind": "ngo"}),
    ("POST", lambda w, t: f"/coordination/organisations/{w.theirs.id}/delete", {}),
    ("POST", lambda w, t: f"/coordination/organisations/{w.theirs.id}/people",
     {"name": "Spy", "email": "spy@example.org", "preferred_language": "en"}),
    ("POST", lambda w, t: f"/coordination/organisations/{w.theirs.id}/people/"
     f"{w.their_member.id}/remove", {}),
    # An organisation in scope does not open a way to someone outside it.
    ("POST", lambda w, t: f"/coordination/organisations/{w.mine.id}/people/"
     f"{w.their_member.id}/remove", {}),
    ("POST", lambda w, t: f"/coordination/organisations/{w.theirs.id}/enrol",
     {"modules": ["trafficking-basics"]}),
    ("GET", lambda w, t: f"/coordination/people/{w.their_member.id}", {}),
    ("POST", lambda w, t: f"/coordination/people/{w.their_member.id}/edit",
     {"name": "Renamed", "preferred_language": "en"}),
    ("POST", lambda w, t: f"/coordination/people/{w.their_member.id}/invitation", {}),
    ("POST", lambda w, t: f"/coordination/people/{w.their_member.id}/enrol",
     {"module": "victim-identification"}),
    ("GET", lambda w, t: f"/coordination/people/{w.other.id}", {}),
    ("GET", lambda w, t: f"/coordination/cohorts/{w.their_cohort.id}", {}),
    ("GET", lambda w, t: f"/coordination/cohorts/{w.shared_cohort.id}", {}),
    ("GET", lambda w, t: f"/coordination/cohorts/{w.shared_cohort.id}/edit", {}),
    ("POST", lambda w, t: f"/coordination/cohorts/{w.shared_cohort.id}/edit",
     {"name": "Taken over", "organisations": ["MINE"], "trainer": 0,
      "starts_on": "2025-03-03", "ends_on": "2025-03-07", "place": "Busan"}),
    ("POST", lambda w, t: f"/coordination/cohorts/{w.their_cohort.id}/delete", {}),
    ("POST", lambda w, t: f"/coordination/cohorts/{w.shared_cohort.id}/delete", {}),
    ("POST", lambda w, t: f"/coordination/cohorts/{w.shared_cohort.id}/participants",
     {"participants": ["MY_MEMBER"]}),
    ("POST", lambda w, t: f"/coordination/cohorts/{w.their_cohort.id}/participants/"
     f"{w.their_member.id}/remove", {}),
    ("POST", lambda w, t: f"/coordination/cohorts/{w.my_cohort.id}/participants/"
     f"{w.their_member.id}/remove", {}),
    ("POST", lambda w, t: f"/coordination/cohorts/{w.their_cohort.id}/modules",
     {"module": "victim-identification", "due_on": "2025-04-01"}),
    ("POST", lambda w, t: f"/coordination/cohorts/{w.their_cohort.id}/modules/"
     "trafficking-basics/remove", {}),
    ("POST", lambda w, t: f"/coordination/cohorts/{w.shared_cohort.id}/enrol", {}),
    ("GET", lambda w, t: f"/coordination/import/{t}", {}),
    ("POST", lambda w, t: f"/coordination/import/{t}", {"sha256": "x"}),
]  # fmt: skip


def _fill(data: dict[str, object], world: World) -> dict[str, object]:
    ids = {"MINE": world.mine.id, "MY_MEMBER": world.my_member.id}
    return {
        key: [ids.get(v, v) for v in value] if isinstance(value, list) else value
        for key, value in data.items()
    }


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


@pytest.fixture
def their_upload(session: Session, world: World) -> str:
    """An upload by the other coordinator: its token is all the first one would need."""
    from datetime import timedelta

    upload = store_upload(session, world.other, "theirs.csv", CSV, max_age=timedelta(hours=1))
    session.commit()
    return upload.token


@pytest.mark.parametrize(("method", "url", "data"), OUT_OF_SCOPE)
def test_out_of_scope_answers_404_and_changes_nothing(
    client: FlaskClient,
    session: Session,
    world: World,
    their_upload: str,
    method: str,
    url: Callable[[World, str], str],
    data: dict[str, object],
) -> None:
    sign_in(client, world.coordinator)
    before = snapshot(session)
    response = client.open(url(world, their_upload), method=method, data=_fill(data, world))
    assert response.status_code == 404, response.text
    assert snapshot(session) == before


@pytest.mark.parametrize(
    "url",
    [url for method, url, _data in OUT_OF_SCOPE if method == "GET"][:-1],  # not the upload
)
def test_the_admin_reaches_every_organisation_cohort_and_person(
    client: FlaskClient, world: World, url: Callable[[World, str], str]
) -> None:
    sign_in(client, world.admin)
    assert client.get(url(world, "")).status_code == 200


def test_an_upload_is_only_for_its_owner_even_for_an_admin(
    client: FlaskClient, world: World, their_upload: str
) -> None:
    sign_in(client, world.admin)
    assert client.get(f"/coordination/import/{their_upload}").status_code == 404
    sign_in(client, world.other)
    assert client.get(f"/coordination/import/{their_upload}").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/coordination",
        "/coordination/organisations",
        "/coordination/organisations/new",
        "/coordination/cohorts",
        "/coordination/cohorts/new",
        "/coordination/import",
    ],
)
def test_trainees_and_trainers_are_refused_with_403(
    client: FlaskClient, session: Session, world: World, url: str
) -> None:
    for role in ("trainee", "trainer"):
        sign_in(client, make_user(session, role=role))
        assert client.get(url).status_code == 403
        assert client.post(url, data={}).status_code in (403, 405)


def test_a_trainee_cannot_post_to_an_organisation_even_a_real_one(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in(client, world.my_member)
    before = snapshot(session)
    response = client.post(
        f"/coordination/organisations/{world.mine.id}/people",
        data={"name": "X", "email": "x@example.org", "preferred_language": "en"},
    )
    assert response.status_code == 403
    assert snapshot(session) == before


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient, world: World) -> None:
    response = client.get(f"/coordination/organisations/{world.mine.id}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/coordination/coordinators"),
        ("GET", "/coordination/coordinators/{other}"),
        ("POST", "/coordination/coordinators/{other}"),
    ],
)
def test_coordinators_cannot_open_the_admin_scope_pages(
    client: FlaskClient, session: Session, world: World, method: str, url: str
) -> None:
    sign_in(client, world.coordinator)
    before = snapshot(session)
    target = url.format(other=world.other.id)
    response = client.open(target, method=method, data={"organisations": [world.theirs.id]})
    assert response.status_code == 403
    assert snapshot(session) == before


def test_unknown_ids_answer_404(client: FlaskClient, world: World) -> None:
    sign_in(client, world.admin)
    for url in (
        "/coordination/organisations/999999",
        "/coordination/cohorts/999999",
        "/coordination/people/999999",
        "/coordination/import/no-such-token",
        "/coordination/coordinators/999999",
        f"/coordination/coordinators/{world.my_member.id}",  # not a coordinator
    ):
        assert client.get(url).status_code == 404, url


def test_lists_show_only_what_is_in_scope(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in(client, world.coordinator)
    organisations = client.get("/coordination/organisations").text
    assert "Hana Centre Busan" in organisations
    assert "Sunflower Shelter" not in organisations
    cohorts = client.get("/coordination/cohorts").text
    assert "Busan spring" in cohorts
    assert "Shenyang spring" not in cohorts
    assert "Joint training" not in cohorts  # one of its organisations is not theirs


def test_scope_rules_in_sql(session: Session, world: World) -> None:
    coordinator, other, admin = world.coordinator, world.other, world.admin
    assert scope.organisation_in_scope(session, coordinator, world.mine.id)
    assert not scope.organisation_in_scope(session, coordinator, world.theirs.id)
    assert scope.cohort_in_scope(session, coordinator, world.my_cohort.id)
    assert not scope.cohort_in_scope(session, coordinator, world.shared_cohort.id)
    assert not scope.cohort_in_scope(session, other, world.shared_cohort.id)
    assert scope.cohort_in_scope(session, admin, world.shared_cohort.id)
    assert scope.person_in_scope(session, coordinator, world.my_member.id)
    assert not scope.person_in_scope(session, coordinator, world.their_member.id)
    assert not scope.person_in_scope(session, world.my_member, world.my_member.id)
    assert scope.organisation_ids_in_scope(session, admin) is None
    assert scope.organisation_ids_in_scope(session, coordinator) == {world.mine.id}


def test_a_person_in_two_organisations_is_seen_by_both_coordinators(
    client: FlaskClient, session: Session, world: World
) -> None:
    from lms.coordination.services.organisations import add_member

    add_member(session, world.theirs, world.my_member)
    session.commit()
    for coordinator in (world.coordinator, world.other):
        sign_in(client, coordinator)
        page = client.get(f"/coordination/people/{world.my_member.id}")
        assert page.status_code == 200
    # Each sees only their own organisation named on the person's page.
    assert "Hana Centre Busan" not in page.text
    assert "Sunflower Shelter" in page.text
