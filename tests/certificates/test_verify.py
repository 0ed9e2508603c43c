"""The public verification page: anyone, no account, rate limited, nothing personal shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from markupsafe import escape
from sqlalchemy.orm import Session

from lms.certificates import services
from lms.certificates.codes import ALPHABET, format_code, new_code
from lms.db import utcnow
from tests.certificates.conftest import Complete, trainee_with_certificate
from tests.conftest import sign_in
from tests.factories import make_coordinator_of, make_user


def text(locale: str, message: str, **variables: Any) -> str:
    with force_locale(locale):
        return str(escape(gettext(message, **variables)))


def test_anyone_can_verify_a_code_and_sees_no_email(
    client: FlaskClient, session: Session, complete: Complete
) -> None:
    user, certificate = trainee_with_certificate(session, complete, certificate_valid_months=24)
    page = client.get(f"/verify/{format_code(certificate.code)}")
    assert page.status_code == 200
    assert "김민지" in page.text
    assert "피해자 식별" in page.text and "Identifying victims" in page.text
    assert "March 4, 2025" in page.text and "March 4, 2027" in page.text  # completed, expires
    assert "This certificate is valid." in page.text
    assert user.email not in page.text
    assert '<meta name="robots" content="noindex, nofollow">' in page.text
    assert page.headers["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.parametrize("style", ["lower", "spaces", "no-hyphens", "extra-hyphens"])
def test_the_form_accepts_codes_as_people_type_them(
    client: FlaskClient, session: Session, complete: Complete, style: str
) -> None:
    _user, certificate = trainee_with_certificate(session, complete)
    grouped = format_code(certificate.code)
    typed = {
        "lower": grouped.lower(),
        "spaces": " " + grouped.replace("-", " ") + " ",
        "no-hyphens": certificate.code,
        "extra-hyphens": "-".join(certificate.code),
    }[style]
    page = client.get("/verify", query_string={"code": typed})
    assert page.status_code == 200
    assert "This certificate is valid." in page.text
    assert grouped in page.text


def test_a_mistyped_code_is_caught_by_the_check_character(
    client: FlaskClient, session: Session, complete: Complete
) -> None:
    _user, certificate = trainee_with_certificate(session, complete)
    first = certificate.code[0]
    wrong = ALPHABET[(ALPHABET.index(first) + 1) % 32]
    page = client.get("/verify", query_string={"code": wrong + certificate.code[1:]})
    assert page.status_code == 200
    assert text("en", "This code has a typo: check it again.") in page.text
    assert "김민지" not in page.text
    # From a link (the QR code's target) the same typo answers 404.
    assert client.get(f"/verify/{wrong}{certificate.code[1:]}").status_code == 404


def test_an_unknown_code_is_not_found(client: FlaskClient, session: Session) -> None:
    code = format_code(new_code())
    page = client.get("/verify", query_string={"code": code})
    assert "No certificate has this code." in page.text
    assert client.get(f"/verify/{code}").status_code == 404


def test_a_malformed_code_says_what_a_code_looks_like(client: FlaskClient) -> None:
    page = client.get("/verify", query_string={"code": "hello"})
    assert page.status_code == 200
    assert "A certificate code has 17 letters and digits" in page.text
    empty = client.get("/verify", query_string={"code": "  "})
    assert "Enter the certificate code." in empty.text
    form = client.get("/verify")
    assert form.status_code == 200 and 'name="code"' in form.text
    assert '<label for="code">' in form.text


def test_an_expired_certificate_says_so(
    client: FlaskClient, session: Session, complete: Complete
) -> None:
    _user, certificate = trainee_with_certificate(session, complete, certificate_valid_months=1)
    page = client.get(f"/verify/{certificate.code}")
    assert "This certificate has expired." in page.text
    assert "Expired on April 4, 2025" in page.text


def test_a_revoked_certificate_shows_the_date_and_reason(
    client: FlaskClient, session: Session, complete: Complete
) -> None:
    _user, certificate = trainee_with_certificate(session, complete)
    coordinator = make_user(session, role="coordinator")
    services.revoke(
        session, certificate, coordinator, "Issued in error", datetime(2025, 6, 1, tzinfo=UTC)
    )
    page = client.get(f"/verify/{certificate.code}")
    assert "This certificate was revoked." in page.text
    assert "Revoked on June 1, 2025" in page.text
    assert "Issued in error" in page.text
    assert coordinator.name not in page.text  # who revoked is for the audit trail only


def test_staff_see_a_link_to_manage_the_certificate(
    client: FlaskClient, session: Session, complete: Complete
) -> None:
    user, certificate = trainee_with_certificate(session, complete)
    assert "Manage this certificate" not in client.get(f"/verify/{certificate.code}").text
    sign_in(client, user)
    assert "Manage this certificate" not in client.get(f"/verify/{certificate.code}").text
    sign_in(client, make_coordinator_of(session, make_user(session)))  # another organisation's
    assert "Manage this certificate" not in client.get(f"/verify/{certificate.code}").text
    sign_in(client, make_coordinator_of(session, user))
    assert "Manage this certificate" in client.get(f"/verify/{certificate.code}").text


def test_verification_pages_are_translated(
    client: FlaskClient, session: Session, complete: Complete
) -> None:
    _user, certificate = trainee_with_certificate(session, complete, certificate_valid_months=24)
    page = client.get(f"/verify/{certificate.code}", headers={"Accept-Language": "ko"})
    assert '<html lang="ko">' in page.text
    assert "2025년 3월 4일" in page.text  # the date formatted by Babel for Korean


def test_refresher_is_due_within_30_days_of_expiry(
    app: Flask, session: Session, complete: Complete
) -> None:
    _user, certificate = trainee_with_certificate(session, complete, certificate_valid_months=12)
    assert certificate.expires_at is not None
    assert not services.refresher_due(certificate, certificate.expires_at - timedelta(days=31))
    assert services.refresher_due(certificate, certificate.expires_at - timedelta(days=30))
    assert services.refresher_due(certificate, certificate.expires_at + timedelta(days=1))
    assert services.status_of(certificate, utcnow()) is services.Status.expired
