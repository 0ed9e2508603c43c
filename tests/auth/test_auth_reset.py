"""Password reset, end to end through a real SMTP server on loopback."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from lms.auth import services
from tests.auth.conftest import Inbox, smtp_config
from tests.factories import PASSWORD, make_user

LINK = re.compile(r"https?://passage\.test(/reset/[A-Za-z0-9_.\-]+)")
NEW_PASSWORD = "새 비밀번호는 충분히 길다"


@pytest.fixture
def app_overrides(smtp_server: Inbox) -> dict[str, Any]:
    return smtp_config(smtp_server)


def request_reset(client: FlaskClient, email: str) -> TestResponse:
    return client.post("/reset", data={"email": email})


def reset_path(inbox: Inbox) -> str:
    assert len(inbox.messages) == 1
    match = LINK.search(inbox.messages[0].get_content())
    assert match, inbox.messages[0].get_content()
    return match.group(1)


def test_reset_by_mail_in_korean_then_sign_in_with_the_new_password(
    client: FlaskClient, session: Session, smtp_server: Inbox
) -> None:
    make_user(session, email="minji@example.org", name="김민지", preferred_language="ko")

    response = request_reset(client, " MinJi@Example.org")
    assert response.status_code == 302

    message = smtp_server.messages[0]
    assert message["To"] == "minji@example.org"
    assert message.get_content_charset() == "utf-8"
    body = message.get_content()
    assert "김민지" in body
    # The expiry time is written the Korean way: the mail was composed in the user's locale.
    assert re.search(r"\d{4}년 \d{1,2}월 \d{1,2}일", body), body

    path = reset_path(smtp_server)
    form = client.get(path)
    assert form.status_code == 200
    assert "minji@example.org" in form.text
    done = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert done.headers["Location"] == "/login"

    assert (
        client.post("/login", data={"email": "minji@example.org", "password": PASSWORD}).status_code
        == 200
    )
    signed_in = client.post("/login", data={"email": "minji@example.org", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] == "/modules"


def test_the_same_reset_link_is_refused_the_second_time(
    client: FlaskClient, session: Session, smtp_server: Inbox
) -> None:
    make_user(session, email="li@example.org", preferred_language="zh")
    request_reset(client, "li@example.org")
    path = reset_path(smtp_server)
    client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    again = client.get(path)
    assert again.status_code == 400
    assert "not valid or has already been used" in again.text
    assert 'href="/reset"' in again.text
    refused = client.post(
        path, data={"password": "yet another password", "confirm": "yet another password"}
    )
    assert refused.status_code == 400
    user = services.find_user(session, "li@example.org")
    assert user is not None
    session.refresh(user)
    assert user.check_password(NEW_PASSWORD)


def test_an_expired_reset_link_is_refused_with_a_way_to_ask_again(
    client: FlaskClient, session: Session, smtp_server: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(session, email="old@example.org")
    # The link was mailed more than PASSWORD_RESET_MAX_AGE_SECONDS (3600) ago.
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3700)
    request_reset(client, "old@example.org")
    monkeypatch.undo()

    response = client.get(reset_path(smtp_server))
    assert response.status_code == 400
    assert "This password reset link has expired." in response.text
    assert "Request a new link" in response.text


def test_a_forged_reset_link_is_refused(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    forged = services.make_reset_token(user, secret_key="not-the-site-key")
    assert client.get(f"/reset/{forged}").status_code == 400
    assert client.get("/reset/nonsense").status_code == 400


def test_reset_answers_the_same_whether_or_not_the_account_exists(
    client: FlaskClient, session: Session, smtp_server: Inbox
) -> None:
    make_user(session, email="known@example.org")
    known = request_reset(client, "known@example.org")
    known_page = client.get(known.headers["Location"]).text
    unknown = request_reset(client, "unknown@example.org")
    unknown_page = client.get(unknown.headers["Location"]).text

    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert "If an account uses known@example.org" in known_page
    assert known_page.replace("known@", "X@") == unknown_page.replace("unknown@", "X@")
    assert [m["To"] for m in smtp_server.messages] == ["known@example.org"]


def test_new_password_on_the_reset_page_must_meet_the_policy(
    client: FlaskClient, session: Session, smtp_server: Inbox
) -> None:
    make_user(session, email="kim@example.org")
    request_reset(client, "kim@example.org")
    path = reset_path(smtp_server)
    weak = client.post(path, data={"password": "kim@example.org", "confirm": "kim@example.org"})
    assert weak.status_code == 200
    assert 'id="password-error"' in weak.text
    assert "must not be your e-mail address" in weak.text
    # A refused attempt does not use the link up.
    assert client.get(path).status_code == 200


def test_no_mail_goes_to_a_switched_off_account(
    client: FlaskClient, session: Session, smtp_server: Inbox
) -> None:
    make_user(session, email="gone@example.org", is_active_account=False)
    assert request_reset(client, "gone@example.org").status_code == 302
    assert smtp_server.messages == []


@pytest.mark.parametrize("app_overrides", [{"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 9}])
def test_a_mail_failure_is_logged_and_the_answer_stays_the_same(
    client: FlaskClient,
    session: Session,
    app_overrides: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    make_user(session, email="kim@example.org")
    response = request_reset(client, "kim@example.org")
    assert response.status_code == 302
    assert "If an account uses kim@example.org" in client.get(response.headers["Location"]).text
    assert any("Password reset mail" in r.getMessage() for r in caplog.records)


def test_reset_mails_to_one_account_are_capped_without_saying_so(
    client: FlaskClient, session: Session, smtp_server: Inbox
) -> None:
    make_user(session, email="kim@example.org")
    answers = {request_reset(client, "kim@example.org").status_code for _ in range(7)}
    assert answers == {302}
    assert len(smtp_server.messages) == 5  # LOGIN_LIMIT_PER_ACCOUNT


def test_reset_requests_from_one_address_are_limited(
    client: FlaskClient, app_overrides: dict[str, Any]
) -> None:
    for n in range(20):  # LOGIN_LIMIT_PER_ADDRESS
        assert request_reset(client, f"someone{n}@example.org").status_code == 302
    refused = request_reset(client, "one.more@example.org")
    assert refused.status_code == 429
    assert "Too many attempts. Please wait" in refused.text


def test_a_reset_lifts_the_lock_after_failed_sign_ins(
    client: FlaskClient, session: Session, smtp_server: Inbox
) -> None:
    make_user(session, email="kim@example.org")
    for _ in range(5):
        client.post("/login", data={"email": "kim@example.org", "password": "forgotten it"})
    locked = client.post("/login", data={"email": "kim@example.org", "password": PASSWORD})
    assert locked.status_code == 429
    request_reset(client, "kim@example.org")
    path = reset_path(smtp_server)
    client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    signed_in = client.post("/login", data={"email": "kim@example.org", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
