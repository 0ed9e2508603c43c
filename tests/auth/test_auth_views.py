"""Sign-in, sign-out, registration and the account pages, through HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from lms.auth.models import Role
from lms.auth.services import find_user
from tests.conftest import sign_in
from tests.courses.helpers import text
from tests.factories import PASSWORD, make_user


def login(client: FlaskClient, email: str, password: str, **query: str) -> TestResponse:
    return client.post("/login", query_string=query, data={"email": email, "password": password})


def signed_in_user_id(client: FlaskClient) -> str | None:
    with client.session_transaction() as sess:
        user_id: str | None = sess.get("_user_id")
        return user_id


def test_register_creates_the_account_and_signs_in(client: FlaskClient, session: Session) -> None:
    page = client.get("/register")
    assert page.status_code == 200
    assert "한국어" in page.text and "中文" in page.text and "English" in page.text

    response = client.post(
        "/register",
        data={
            "name": "Park Soo-yeon 박수연",
            "email": " Soo-Yeon.Park@Example.org",
            "password": "a long enough password",
            "confirm": "a long enough password",
            "preferred_language": "ko",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/modules"
    user = find_user(session, "soo-yeon.park@example.org")
    assert user is not None
    assert (user.name, user.role, user.preferred_language) == (
        "Park Soo-yeon 박수연",
        Role.trainee,
        "ko",
    )
    assert user.last_login_at is not None
    assert signed_in_user_id(client) == user.get_id()
    # The interface now speaks the language chosen at registration.
    assert '<html lang="ko">' in client.get("/account").text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "TAKEN@example.org"}, "email", "already exists"),
        ({"email": "no-at-sign"}, "email", "Enter a valid e-mail address"),
        ({"password": "short", "confirm": "short"}, "password", "at least 10 characters"),
        ({"confirm": "something else"}, "confirm", "not the same"),
        ({"name": "  "}, "name", "Enter your name"),
    ],
)
def test_register_names_the_field_that_is_wrong_and_why(
    client: FlaskClient, session: Session, changes: dict[str, str], field: str, message: str
) -> None:
    make_user(session, email="taken@example.org")
    data = {
        "name": "New Person",
        "email": "new@example.org",
        "password": "a long enough password",
        "confirm": "a long enough password",
        "preferred_language": "en",
    }
    data.update(changes)
    response = client.post("/register", data=data)
    assert response.status_code == 200
    assert f'id="{field}-error"' in response.text
    assert message in response.text
    assert 'class="error-summary"' in response.text
    assert signed_in_user_id(client) is None


CSRF_ON = pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])


@pytest.mark.parametrize("app_overrides", [{"REGISTRATION_OPEN": False}])
def test_register_is_not_found_when_registration_is_closed(
    client: FlaskClient, app_overrides: dict[str, Any]
) -> None:
    assert client.get("/register").status_code == 404
    response = client.post(
        "/register",
        data={"name": "X", "email": "x@example.org", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert response.status_code == 404
    assert "Register" not in client.get("/login").text


def test_sign_in_lands_on_the_catalog_and_records_the_time(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session, email="kim@example.org")
    response = login(client, "  KIM@example.org ", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/modules"
    assert signed_in_user_id(client) == user.get_id()
    session.expire_all()
    assert user.last_login_at is not None


def test_after_sign_in_the_interface_uses_the_preferred_language(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, email="zh@example.org", preferred_language="zh")
    client.post("/language", data={"language": "ko", "next": "/login"})
    login(client, "zh@example.org", PASSWORD)
    assert '<html lang="zh-Hans">' in client.get("/account").text
    client.post("/logout")
    # The choice stays after signing out, on this browser.
    assert '<html lang="zh-Hans">' in client.get("/login").text


def test_wrong_password_and_unknown_email_get_identical_answers(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, email="known@example.org")
    wrong = login(client, "known@example.org", "not the password")
    unknown = login(client, "unknown@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 200
    assert "The e-mail address or the password is not correct." in wrong.text
    assert wrong.text.replace("known@example.org", "ADDRESS") == unknown.text.replace(
        "unknown@example.org", "ADDRESS"
    )
    assert signed_in_user_id(client) is None


@pytest.mark.parametrize(
    "target", ["//evil.example", "https://evil.example", "/\\evil", "/\\\\evil.example/x"]
)
def test_next_pointing_to_another_host_is_ignored(
    client: FlaskClient, session: Session, target: str
) -> None:
    make_user(session, email="kim@example.org")
    response = login(client, "kim@example.org", PASSWORD, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/modules"


def test_next_on_this_site_is_followed_after_sign_in(client: FlaskClient, session: Session) -> None:
    make_user(session, email="kim@example.org")
    page = client.get("/account")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/login?next=")
    form = client.get(page.headers["Location"])
    assert "next=%2Faccount" in form.text or "next=/account" in form.text
    response = login(client, "kim@example.org", PASSWORD, next="/account")
    assert response.headers["Location"] == "/account"


def test_inactive_account_cannot_sign_in(client: FlaskClient, session: Session) -> None:
    make_user(session, email="gone@example.org", is_active_account=False)
    response = login(client, "gone@example.org", PASSWORD)
    assert response.status_code == 200
    assert "switched off" in response.text
    assert signed_in_user_id(client) is None


def test_switching_an_account_off_ends_its_open_sessions(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    sign_in(client, user)
    assert client.get("/account").status_code == 200
    user.is_active_account = False
    session.commit()
    assert client.get("/account").status_code == 302


def test_login_form_names_missing_fields(client: FlaskClient) -> None:
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 200
    assert 'id="email-error"' in response.text and "Enter your e-mail address." in response.text
    assert 'id="password-error"' in response.text and "Enter your password." in response.text


def test_sign_out_is_a_post(client: FlaskClient, session: Session) -> None:
    sign_in(client, make_user(session))
    assert client.get("/logout").status_code == 405
    assert signed_in_user_id(client) is not None
    response = client.post("/logout", follow_redirects=True)
    assert "You have signed out." in response.text
    assert signed_in_user_id(client) is None
    assert client.get("/account").status_code == 302


@CSRF_ON
def test_login_post_without_csrf_token_is_refused(
    client: FlaskClient, session: Session, app_overrides: dict[str, Any]
) -> None:
    make_user(session, email="kim@example.org")
    response = login(client, "kim@example.org", PASSWORD)
    assert response.status_code == 400
    assert signed_in_user_id(client) is None


@CSRF_ON
def test_login_post_with_the_csrf_token_is_accepted(
    client: FlaskClient, session: Session, app_overrides: dict[str, Any]
) -> None:
    make_user(session, email="kim@example.org")
    page = client.get("/login").text
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login", data={"email": "kim@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_account_page_shows_the_account_and_updates_name_and_language(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session, email="li@example.org", name="Li Wei 李伟", role=Role.trainer)
    sign_in(client, user)
    page = client.get("/account")
    assert "Li Wei 李伟" in page.text and "li@example.org" in page.text and "Trainer" in page.text

    response = client.post("/account", data={"name": " 李伟 ", "preferred_language": "zh"})
    assert response.status_code == 302
    session.expire_all()
    assert (user.name, user.preferred_language) == ("李伟", "zh")
    assert '<html lang="zh-Hans">' in client.get("/account").text

    refused = client.post("/account", data={"name": "", "preferred_language": "xx"})
    assert refused.status_code == 200
    assert 'id="name-error"' in refused.text and 'id="preferred_language-error"' in refused.text
    # The account is now in Chinese, so the error is too.
    assert text("zh", "Choose one of the languages in the list.") in refused.text


def test_password_change_refuses_a_wrong_current_password(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session, email="kim@example.org")
    sign_in(client, user)
    new = "another long password"
    refused = client.post(
        "/account/password",
        data={"current_password": "not my password", "password": new, "confirm": new},
    )
    assert refused.status_code == 200
    assert 'id="current_password-error"' in refused.text
    assert "Your current password is not correct." in refused.text

    weak = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": "short", "confirm": "short"},
    )
    assert 'id="password-error"' in weak.text

    changed = client.post(
        "/account/password", data={"current_password": PASSWORD, "password": new, "confirm": new}
    )
    assert changed.status_code == 302
    client.post("/logout")
    assert login(client, "kim@example.org", PASSWORD).status_code == 200
    assert login(client, "kim@example.org", new).status_code == 302


def test_account_pages_need_sign_in(client: FlaskClient) -> None:
    for path in ("/account", "/account/password"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
        assert "Please sign in to open this page." in client.get(response.headers["Location"]).text


def test_signed_in_visitor_is_sent_on_from_login_and_register(
    client: FlaskClient, session: Session
) -> None:
    sign_in(client, make_user(session))
    assert client.get("/login").headers["Location"] == "/modules"
    assert client.get("/register").headers["Location"] == "/modules"


def test_changing_the_password_signs_out_other_sessions_but_not_this_one(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    user = make_user(session, email="park@example.org")
    session.commit()
    other_device = sign_in(app.test_client(), user)
    sign_in(client, user)
    assert other_device.get("/account").status_code == 200

    new = "a brand new long password"
    changed = client.post(
        "/account/password", data={"current_password": PASSWORD, "password": new, "confirm": new}
    )
    assert changed.status_code == 302
    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302  # sent to the sign-in page
