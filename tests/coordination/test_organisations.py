"""Organisations and their people: pages, validation, membership, invitations resent."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.coordination import invitations
from lms.coordination.models import (
    CoordinatorOrganisation,
    Invitation,
    Organisation,
    OrganisationKind,
    OrganisationMember,
)
from lms.coordination.services import organisations as orgs
from lms.coordination.services.errors import DuplicateName, InUse, InvalidValue
from tests.auth.conftest import Inbox, smtp_config
from tests.conftest import sign_in
from tests.coordination.helpers import World, build_world, snapshot
from tests.factories import make_user


@pytest.fixture
def app_overrides(smtp_server: Inbox) -> dict[str, Any]:
    return smtp_config(smtp_server)


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def test_a_coordinator_creates_an_organisation_and_manages_it_from_then_on(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in(client, world.coordinator)
    form = client.get("/coordination/organisations/new")
    assert form.status_code == 200
    assert '<label for="country">' in form.text
    response = client.post(
        "/coordination/organisations/new",
        data={"name": "  Hana  Centre Seoul ", "country": "KR", "kind": "resettlement_centre"},
    )
    assert response.status_code == 302
    session.expire_all()
    org = session.scalars(
        select(Organisation).where(Organisation.name == "Hana Centre Seoul")
    ).one()
    assert (org.country, org.kind) == ("KR", OrganisationKind.resettlement_centre)
    assert session.scalar(
        select(CoordinatorOrganisation).where(
            CoordinatorOrganisation.user_id == world.coordinator.id,
            CoordinatorOrganisation.organisation_id == org.id,
        )
    )
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Resettlement centre" in page.text
    assert "South Korea" in page.text  # the country named by Babel in English


def test_country_names_follow_the_interface_language(
    client: FlaskClient, session: Session, world: World
) -> None:
    world.coordinator.preferred_language = "ko"
    session.commit()
    sign_in(client, world.coordinator)
    page = client.get(f"/coordination/organisations/{world.mine.id}")
    assert "대한민국" in page.text
    world.coordinator.preferred_language = "zh"
    session.commit()
    assert "韩国" in client.get(f"/coordination/organisations/{world.mine.id}").text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "country": "KR", "kind": "ngo"}, "name", "Enter the organisation's name."),
        ({"name": "HANA centre   busan", "country": "KR", "kind": "ngo"}, "name",
         "Another organisation is already called"),
        ({"name": "X", "country": "", "kind": "ngo"}, "country", "Choose a country from the list."),
        ({"name": "X", "country": "QQ", "kind": "ngo"}, "country",
         "Choose a country from the list."),
        ({"name": "X", "country": "KR", "kind": "castle"}, "kind",
         "Choose a kind of organisation from the list."),
        ({"name": "x" * 201, "country": "KR", "kind": "ngo"}, "name", "at most 200 characters"),
    ],
)  # fmt: skip
def test_organisation_form_errors_are_shown_at_the_field(
    client: FlaskClient,
    session: Session,
    world: World,
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    sign_in(client, world.coordinator)
    before = snapshot(session)
    response = client.post("/coordination/organisations/new", data=data)
    assert response.status_code == 200
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', response.text)
    assert error, response.text
    assert message in error.group(1)
    assert snapshot(session) == before


def test_editing_an_organisation(client: FlaskClient, session: Session, world: World) -> None:
    sign_in(client, world.coordinator)
    url = f"/coordination/organisations/{world.mine.id}/edit"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"name": "Hana Centre Busan (north)", "country": "KR",
                                      "kind": "resettlement_centre"})  # fmt: skip
    assert response.status_code == 302
    session.expire_all()
    assert world.mine.name == "Hana Centre Busan (north)"
    assert world.mine.name_key == "hana centre busan (north)"
    taken = client.post(url, data={"name": "sunflower shelter", "country": "KR", "kind": "ngo"})
    assert "Another organisation is already called" in taken.text


def test_an_organisation_in_a_cohort_cannot_be_deleted_one_without_can(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in(client, world.coordinator)
    refused = client.post(f"/coordination/organisations/{world.mine.id}/delete")
    assert refused.status_code == 302
    follow = client.get(refused.headers["Location"])
    assert "takes part in 2 cohorts" in follow.text
    spare = orgs.create_organisation(
        session, name="Spare", country="KR", kind="ngo", created_by=world.coordinator
    )
    member = make_user(session)
    orgs.add_member(session, spare, member)
    session.commit()
    spare_id, member_id = spare.id, member.id
    assert client.post(f"/coordination/organisations/{spare_id}/delete").status_code == 302
    session.expire_all()
    assert session.get(Organisation, spare_id) is None
    assert session.get(User, member_id) is not None  # the account stays
    assert (
        session.scalar(select(OrganisationMember).where(OrganisationMember.user_id == member_id))
        is None
    )


def test_service_errors_name_the_field(session: Session, world: World, app: Flask) -> None:
    with app.app_context():
        with pytest.raises(DuplicateName) as dup:
            orgs.create_organisation(session, name="hana centre busan", country="KR", kind="ngo")
        assert dup.value.field == "name"
        with pytest.raises(InvalidValue) as bad:
            orgs.create_organisation(session, name="New", country="ZZ", kind="ngo")
        assert bad.value.field == "country"
        with pytest.raises(InUse):
            orgs.delete_organisation(session, world.mine)
        with pytest.raises(InvalidValue):
            orgs.assign_organisation(session, world.my_member, world.mine)  # not a coordinator


def test_adding_a_new_person_creates_an_invited_account_and_mails_them(
    client: FlaskClient, session: Session, world: World, smtp_server: Inbox
) -> None:
    sign_in(client, world.coordinator)
    response = client.post(
        f"/coordination/organisations/{world.mine.id}/people",
        data={"name": "정하늘", "email": "Haneul@Example.org", "preferred_language": "ko"},
    )
    assert response.status_code == 302
    session.expire_all()
    user = session.scalars(select(User).where(User.email == "haneul@example.org")).one()
    assert not invitations.has_usable_password(user)
    assert orgs.is_member(session, world.mine, user)
    assert [m["To"] for m in smtp_server.messages] == ["haneul@example.org"]
    assert "정하늘" in smtp_server.messages[0].get_content()
    page = client.get(f"/coordination/organisations/{world.mine.id}")
    assert "Invited" in page.text


def test_adding_someone_who_has_an_account_adds_them_as_they_are(
    client: FlaskClient, session: Session, world: World, smtp_server: Inbox
) -> None:
    existing = make_user(session, email="kept@example.org", name="Kept Name")
    session.commit()
    sign_in(client, world.coordinator)
    before = snapshot(session)
    client.post(
        f"/coordination/organisations/{world.mine.id}/people",
        data={"name": "Other Name", "email": "KEPT@example.org", "preferred_language": "zh"},
    )
    session.expire_all()
    assert (existing.name, existing.preferred_language) == ("Kept Name", "en")
    assert orgs.is_member(session, world.mine, existing)
    assert snapshot(session)["users"] == before["users"]
    assert smtp_server.messages == []


def test_add_person_form_errors(client: FlaskClient, session: Session, world: World) -> None:
    sign_in(client, world.coordinator)
    before = snapshot(session)
    response = client.post(
        f"/coordination/organisations/{world.mine.id}/people",
        data={"name": "", "email": "not-an-address", "preferred_language": "fr"},
    )
    assert response.status_code == 200
    assert "Enter the person's name." in response.text
    assert "Choose one of the languages in the list." in response.text
    bad_mail = client.post(
        f"/coordination/organisations/{world.mine.id}/people",
        data={"name": "Ann", "email": "not-an-address", "preferred_language": "en"},
    )
    assert "Enter a valid e-mail address" in bad_mail.text
    assert snapshot(session) == before


def test_removing_a_member_keeps_the_account(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in(client, world.coordinator)
    url = f"/coordination/organisations/{world.mine.id}/people/{world.my_member.id}/remove"
    assert client.post(url).status_code == 302
    session.expire_all()
    assert not orgs.is_member(session, world.mine, world.my_member)
    assert session.get(User, world.my_member.id) is not None
    # No longer a member of any of the coordinator's organisations: out of scope now.
    assert client.get(f"/coordination/people/{world.my_member.id}").status_code == 404


def test_resending_an_invitation_replaces_the_earlier_link(
    app: Flask, client: FlaskClient, session: Session, world: World, smtp_server: Inbox
) -> None:
    sign_in(client, world.coordinator)
    client.post(
        f"/coordination/organisations/{world.mine.id}/people",
        data={"name": "Ann", "email": "ann@example.org", "preferred_language": "en"},
    )
    session.expire_all()
    ann = session.scalars(select(User).where(User.email == "ann@example.org")).one()
    page = client.get(f"/coordination/people/{ann.id}")
    assert "Send a new invitation" in page.text
    assert client.post(f"/coordination/people/{ann.id}/invitation").status_code == 302
    assert len(smtp_server.messages) == 2
    first, second = (
        re.search(r"https?://passage\.test(/invitation/\S+)", m.get_content()).group(1)  # type: ignore[union-attr]
        for m in smtp_server.messages
    )
    client.post("/logout")
    assert client.get(first).status_code == 400
    assert client.get(second).status_code == 200
    session.expire_all()
    invitation = session.scalars(select(Invitation).where(Invitation.user_id == ann.id)).one()
    assert invitation.send_count == 2


def test_no_invitation_for_someone_who_has_a_password(
    client: FlaskClient, session: Session, world: World, smtp_server: Inbox
) -> None:
    sign_in(client, world.coordinator)
    page = client.get(f"/coordination/people/{world.my_member.id}")
    assert "Send a new invitation" not in page.text
    response = client.post(f"/coordination/people/{world.my_member.id}/invitation")
    assert response.status_code == 302
    assert "already set a password" in client.get(response.headers["Location"]).text
    assert smtp_server.messages == []


def test_an_invitation_link_works_for_fourteen_days_then_expires(
    app: Flask, session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app.test_request_context():
        user = invitations.create_invited_user(
            session, email="late@example.org", name="Late", preferred_language="en",
            invited_by=world.coordinator,
        )  # fmt: skip
        max_age = invitations.max_age_seconds()
        assert max_age == 14 * 24 * 3600
        now = int(time.time())
        for age, expired in ((max_age - 60, False), (max_age + 1, True)):
            monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self, a=age: now - a)
            token = invitations.make_invitation_token(user, secret_key="k")
            monkeypatch.undo()
            if not expired:
                found = invitations.user_for_invitation_token(
                    session, token, secret_key="k", max_age_seconds=max_age
                )
                assert found is user
                continue
            with pytest.raises(invitations.InvalidInvitation) as caught:
                invitations.user_for_invitation_token(
                    session, token, secret_key="k", max_age_seconds=max_age
                )
            assert caught.value.expired
            assert "expired" in str(caught.value)


def test_an_invited_person_cannot_sign_in_before_setting_a_password(
    client: FlaskClient, session: Session, world: World, app: Flask
) -> None:
    with app.app_context():
        user = invitations.create_invited_user(
            session, email="wait@example.org", name="Wait", preferred_language="en",
            invited_by=None,
        )  # fmt: skip
        session.commit()
    for password in ("", user.password_hash, user.password_hash[1:]):
        response = client.post("/login", data={"email": "wait@example.org", "password": password})
        assert response.status_code == 200


def test_a_coordinator_corrects_a_trainees_details_but_not_a_staff_account(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in(client, world.coordinator)
    response = client.post(
        f"/coordination/people/{world.my_member.id}/edit",
        data={"name": "김민지 (Kim Min-ji)", "preferred_language": "ko"},
    )
    assert response.status_code == 302
    session.expire_all()
    assert (world.my_member.name, world.my_member.preferred_language) == (
        "김민지 (Kim Min-ji)",
        "ko",
    )
    trainer = make_user(session, role="trainer", name="Trainer")
    orgs.add_member(session, world.mine, trainer)
    session.commit()
    refused = client.post(
        f"/coordination/people/{trainer.id}/edit", data={"name": "X", "preferred_language": "en"}
    )
    assert refused.status_code == 403


def test_the_admin_assigns_organisations_to_a_coordinator(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in(client, world.admin)
    listing = client.get("/coordination/coordinators")
    assert "Park Soo-yeon" in listing.text and "Wang Fang" in listing.text
    url = f"/coordination/coordinators/{world.coordinator.id}"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"organisations": [world.theirs.id]})
    assert response.status_code == 302
    session.expire_all()
    assert [o.name for o in orgs.assigned_organisations(session, world.coordinator)] == [
        "Sunflower Shelter"
    ]
    bad = client.post(url, data={"organisations": [999999]})
    assert "Choose organisations from the list." in bad.text


def test_the_coordination_link_is_in_the_menu_for_coordinators_only(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in(client, world.my_member)
    assert 'href="/coordination"' not in client.get("/account").text
    sign_in(client, world.coordinator)
    assert 'href="/coordination"' in client.get("/account").text


class TestWithCsrf:
    @pytest.fixture
    def app_overrides(self, smtp_server: Inbox) -> dict[str, Any]:
        return {**smtp_config(smtp_server), "WTF_CSRF_ENABLED": True}

    def test_every_form_on_the_pages_carries_the_token_and_posts_without_it_are_refused(
        self, client: FlaskClient, session: Session, world: World
    ) -> None:
        sign_in(client, world.coordinator)
        pages = [
            f"/coordination/organisations/{world.mine.id}",
            f"/coordination/organisations/{world.mine.id}/edit",
            f"/coordination/cohorts/{world.my_cohort.id}",
            f"/coordination/cohorts/{world.my_cohort.id}/edit",
            f"/coordination/people/{world.my_member.id}",
            "/coordination/import",
        ]
        for url in pages:
            html = client.get(url).text
            forms = re.findall(r'<form method="post".*?</form>', html, flags=re.S)
            assert forms, url
            for form in forms:
                assert 'name="csrf_token"' in form, (url, form[:200])
        before = snapshot(session)
        url = f"/coordination/organisations/{world.mine.id}/people"
        data = {"name": "Ann", "email": "ann@example.org", "preferred_language": "en"}
        assert client.post(url, data=data).status_code == 400
        assert snapshot(session) == before
        page = client.get(f"/coordination/organisations/{world.mine.id}").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert token
        assert client.post(url, data={**data, "csrf_token": token.group(1)}).status_code == 302
