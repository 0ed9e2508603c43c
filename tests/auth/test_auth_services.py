"""Account services: creation, the password policy, authentication and reset tokens."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from itsdangerous import TimestampSigner
from sqlalchemy.orm import Session

from lms.auth import services
from lms.auth.models import Role, User
from tests.factories import PASSWORD, make_user

SECRET = "test-secret-key"


def test_create_user_stores_email_trimmed_and_lower_cased(app: Flask, session: Session) -> None:
    user = services.create_user(
        session, email="  Min-Ji.Kim@Example.ORG ", name=" 김민지 ", password="a long password"
    )
    assert user.email == "min-ji.kim@example.org"
    assert user.name == "김민지"
    assert user.role is Role.trainee
    assert user.preferred_language == "en"
    assert user.check_password("a long password")
    assert user.password_hash.startswith("scrypt:")


def test_create_user_refuses_an_address_taken_in_another_case(app: Flask, session: Session) -> None:
    make_user(session, email="li.wei@example.org")
    with pytest.raises(services.EmailTaken):
        services.create_user(
            session, email="LI.WEI@example.org ", name="Li Wei", password="a long password"
        )
    # The session is still usable after the refusal.
    assert services.find_user(session, "li.wei@example.org") is not None


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "at least 10 characters"),
        ("x" * 257, "at most 256 characters"),
        ("Park@Example.org", "must not be your e-mail address"),
    ],
)
def test_password_policy_gives_the_reason(
    app: Flask, session: Session, password: str, reason: str
) -> None:
    with pytest.raises(services.WeakPassword) as raised:
        services.create_user(session, email="park@example.org", name="Park", password=password)
    with app.test_request_context():
        assert reason in str(raised.value)
    assert services.find_user(session, "park@example.org") is None


def test_passwords_of_ten_and_256_characters_are_accepted(app: Flask, session: Session) -> None:
    services.create_user(session, email="a@example.org", name="A", password="x" * 10)
    services.create_user(session, email="b@example.org", name="B", password="비밀번호" * 64)


def test_create_user_refuses_a_malformed_address_and_an_empty_name(
    app: Flask, session: Session
) -> None:
    with pytest.raises(services.InvalidEmail):
        services.create_user(session, email="not-an-address", name="N", password=PASSWORD)
    with pytest.raises(services.InvalidName):
        services.create_user(session, email="n@example.org", name="   ", password=PASSWORD)
    with pytest.raises(ValueError, match="unsupported language"):
        services.create_user(
            session, email="n@example.org", name="N", password=PASSWORD, preferred_language="fr"
        )


def test_upsert_user_creates_then_resets_the_account(app: Flask, session: Session) -> None:
    first = services.upsert_user(
        session,
        email="Trainer@example.org",
        name="Li Wei 李伟",
        role=Role.trainer,
        password="demo-first-password",
        preferred_language="zh",
    )
    first.is_active_account = False
    second = services.upsert_user(
        session,
        email="trainer@example.org",
        name="Li Wei",
        role=Role.coordinator,
        password="demo-second-password",
        preferred_language="en",
    )
    assert second.id == first.id
    assert (second.name, second.role, second.preferred_language) == (
        "Li Wei",
        Role.coordinator,
        "en",
    )
    assert second.is_active_account
    assert second.check_password("demo-second-password")
    assert not second.check_password("demo-first-password")


def test_authenticate_accepts_the_right_password_in_any_email_case(
    app: Flask, session: Session
) -> None:
    user = make_user(session, email="kim@example.org")
    assert services.authenticate(session, " KIM@example.org", PASSWORD) == user
    assert services.authenticate(session, "kim@example.org", PASSWORD + "x") is None


def test_authenticate_hashes_a_password_even_for_an_unknown_address(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real_check = services.check_password_hash

    def counting_check(pwhash: str, password: str) -> bool:
        checked.append(password)
        return real_check(pwhash, password)

    monkeypatch.setattr(services, "check_password_hash", counting_check)
    assert services.authenticate(session, "nobody@example.org", "a guess at it") is None
    assert checked == ["a guess at it"]


def test_authenticate_tells_an_inactive_account_only_after_the_right_password(
    app: Flask, session: Session
) -> None:
    make_user(session, email="gone@example.org", is_active_account=False)
    assert services.authenticate(session, "gone@example.org", "wrong password") is None
    with pytest.raises(services.AccountInactive):
        services.authenticate(session, "gone@example.org", PASSWORD)


def test_change_password_refuses_a_wrong_current_password(app: Flask, session: Session) -> None:
    user = make_user(session)
    with pytest.raises(services.WrongPassword):
        services.change_password(
            session, user, current_password="not it at all", new_password="a new password"
        )
    with pytest.raises(services.WeakPassword):
        services.change_password(session, user, current_password=PASSWORD, new_password="short")
    assert user.check_password(PASSWORD)
    services.change_password(
        session, user, current_password=PASSWORD, new_password="a new password"
    )
    assert user.check_password("a new password")


def _user_for(session: Session, token: str, *, max_age: int = 3600, secret: str = SECRET) -> User:
    return services.user_for_reset_token(session, token, secret_key=secret, max_age_seconds=max_age)


def test_reset_token_works_once(app: Flask, session: Session) -> None:
    user = make_user(session)
    token = services.make_reset_token(user, secret_key=SECRET)
    assert _user_for(session, token) == user
    services.set_new_password(session, user, "a brand new password")
    with pytest.raises(services.InvalidResetToken) as raised:
        _user_for(session, token)
    assert raised.value.expired is False


def test_reset_token_is_refused_when_forged_or_signed_with_another_key(
    app: Flask, session: Session
) -> None:
    user = make_user(session)
    token = services.make_reset_token(user, secret_key=SECRET)
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "garbage", ""):
        with pytest.raises(services.InvalidResetToken):
            _user_for(session, bad)
    with pytest.raises(services.InvalidResetToken):
        _user_for(session, token, secret="another-secret-key")


def test_reset_token_expires_after_its_max_age(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user(session)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3601)
    token = services.make_reset_token(user, secret_key=SECRET)
    monkeypatch.undo()
    with pytest.raises(services.InvalidResetToken) as raised:
        _user_for(session, token, max_age=3600)
    assert raised.value.expired is True
    assert _user_for(session, token, max_age=7200) == user


def test_reset_token_of_an_inactive_account_is_refused(app: Flask, session: Session) -> None:
    user = make_user(session)
    token = services.make_reset_token(user, secret_key=SECRET)
    user.is_active_account = False
    with pytest.raises(services.InvalidResetToken):
        _user_for(session, token)
