"""Trainee and coordinator pages: my certificates, PDFs, revoking, expiry lists, ZIP export."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import Role
from lms.certificates import services
from lms.certificates.codes import format_code
from lms.certificates.export import MANIFEST, certificates_zip
from lms.certificates.models import Certificate, CertificateAction, CertificateEvent
from lms.content.models import ModuleVersion
from lms.db import utcnow
from tests.certificates.conftest import Complete, trainee_with_certificate
from tests.conftest import sign_in
from tests.factories import make_coordinator_of, make_module_version, make_user


def test_my_certificates_lists_only_mine_with_downloads_and_share_link(
    client: FlaskClient, session: Session, complete: Complete
) -> None:
    user, certificate = trainee_with_certificate(session, complete)
    _other, theirs = trainee_with_certificate(session, complete, module_id="other-module")
    sign_in(client, user)
    page = client.get("/my/certificates")
    assert page.status_code == 200
    assert "피해자 식별" in page.text
    assert format_code(theirs.code) not in page.text
    assert f"/certificates/{certificate.id}/ko.pdf" in page.text
    assert f"/certificates/{certificate.id}/en.pdf" in page.text
    share = f"http://passage.test/verify/{format_code(certificate.code)}"
    assert f'value="{share}" readonly' in page.text  # copyable without JavaScript
    assert f'<label for="share-{certificate.id}">' in page.text
    assert "My certificates" in page.text  # the navigation link


def test_my_certificates_needs_sign_in_and_says_when_empty(
    client: FlaskClient, session: Session
) -> None:
    assert client.get("/my/certificates").status_code == 302
    sign_in(client, make_user(session))
    assert "You have no certificates yet." in client.get("/my/certificates").text


def test_refresher_due_shows_for_the_current_certificate_only(
    client: FlaskClient, session: Session, complete: Complete
) -> None:
    user = make_user(session)
    soon = utcnow() - timedelta(days=365) + timedelta(days=10)  # a 12-month one expiring soon
    v1 = make_module_version(session, "basics", version=1, certificate_valid_months=12)
    complete(user, v1, completed_at=soon)
    sign_in(client, user)
    page = client.get("/my/certificates")
    assert page.text.count("Refresher due.") == 1
    assert "/modules/basics" in page.text

    # Renewed by completing a newer version: the old certificate no longer nags.
    v2 = make_module_version(session, "basics", version=2, certificate_valid_months=12)
    complete(user, v2, completed_at=utcnow())
    assert "Refresher due." not in client.get("/my/certificates").text


def test_expired_certificate_shows_refresher_due(
    client: FlaskClient, session: Session, complete: Complete
) -> None:
    user, _certificate = trainee_with_certificate(session, complete, certificate_valid_months=1)
    sign_in(client, user)
    page = client.get("/my/certificates")
    assert "Refresher due." in page.text and "This certificate has expired." in page.text


def test_trainee_downloads_own_pdf_in_both_languages(
    client: FlaskClient, session: Session, complete: Complete
) -> None:
    user, certificate = trainee_with_certificate(session, complete)
    sign_in(client, user)
    for language in ("ko", "en"):
        response = client.get(f"/certificates/{certificate.id}/{language}.pdf")
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF-")
        assert (
            f"certificate-{format_code(certificate.code)}-{language}.pdf"
            in (response.headers["Content-Disposition"])
        )
    assert client.get(f"/certificates/{certificate.id}/zh.pdf").status_code == 404


def test_another_trainees_certificate_is_not_found(
    client: FlaskClient, session: Session, complete: Complete
) -> None:
    _owner, certificate = trainee_with_certificate(session, complete)
    sign_in(client, make_user(session))
    assert client.get(f"/certificates/{certificate.id}/ko.pdf").status_code == 404
    assert client.get("/certificates/999999/en.pdf").status_code == 404
    sign_in(client, make_user(session, role=Role.trainer))
    assert client.get(f"/certificates/{certificate.id}/ko.pdf").status_code == 404


def test_revoked_certificate_pdf_is_not_served(
    client: FlaskClient, session: Session, complete: Complete
) -> None:
    user, certificate = trainee_with_certificate(session, complete)
    services.revoke(session, certificate, make_user(session, role=Role.admin), "Exam fraud")
    sign_in(client, user)
    response = client.get(f"/certificates/{certificate.id}/ko.pdf")
    assert response.status_code == 410
    assert response.mimetype == "text/html"
    assert "so its PDF is no longer available" in response.text
    assert "Exam fraud" in response.text
    mine = client.get("/my/certificates").text
    assert "This certificate was revoked: Exam fraud" in mine
    assert f"/certificates/{certificate.id}/ko.pdf" not in mine


@pytest.mark.parametrize("role", [Role.trainee, Role.trainer])
def test_coordinator_pages_are_forbidden_to_others(
    client: FlaskClient, session: Session, complete: Complete, role: Role
) -> None:
    _user, certificate = trainee_with_certificate(session, complete)
    sign_in(client, make_user(session, role=role))
    for url in (
        "/certificates",
        f"/certificates/{certificate.id}",
        "/certificates/expiring?days=30",
        "/certificates/export.zip?module=victim-identification",
    ):
        assert client.get(url).status_code == 403, url
    revoke = client.post(f"/certificates/{certificate.id}/revoke", data={"reason": "x"})
    assert revoke.status_code == 403
    session.refresh(certificate)
    assert certificate.revoked_at is None


def test_coordinator_revokes_with_a_reason_and_it_is_logged(
    client: FlaskClient, session: Session, complete: Complete
) -> None:
    holder, certificate = trainee_with_certificate(session, complete)
    coordinator = make_coordinator_of(session, holder, name="Park Soo-yeon")
    sign_in(client, coordinator)
    page = client.get(f"/certificates/{certificate.id}")
    assert page.status_code == 200 and "Revoke this certificate" in page.text
    assert '<label for="reason">' in page.text

    missing = client.post(f"/certificates/{certificate.id}/revoke", data={"reason": "   "})
    assert missing.status_code == 400
    assert "Give the reason for revoking this certificate." in missing.text

    done = client.post(
        f"/certificates/{certificate.id}/revoke",
        data={"reason": "Completed under another person's account"},
        follow_redirects=True,
    )
    assert done.status_code == 200
    assert f"Certificate {format_code(certificate.code)} is revoked." in done.text
    assert "revoked by Park Soo-yeon" in done.text
    session.expire_all()
    stored = session.get(Certificate, certificate.id)
    assert stored is not None and stored.revoked_at is not None
    assert stored.revoked_reason == "Completed under another person's account"
    assert stored.revoked_by_id == coordinator.id
    event = stored.events[-1]
    assert event.action is CertificateAction.revoked
    assert (event.actor_id, event.reason) == (coordinator.id, stored.revoked_reason)

    again = client.post(
        f"/certificates/{certificate.id}/revoke", data={"reason": "twice"}, follow_redirects=True
    )
    assert "This certificate was already revoked." in again.text
    session.expire_all()
    actions = [e.action for e in session.scalars(select(CertificateEvent))]
    assert actions.count(CertificateAction.revoked) == 1


@pytest.fixture
def csrf_on(app: Flask) -> None:
    app.config["WTF_CSRF_ENABLED"] = True


def test_revoking_needs_a_csrf_token(
    app: Flask, csrf_on: None, client: FlaskClient, session: Session, complete: Complete
) -> None:
    holder, certificate = trainee_with_certificate(session, complete)
    sign_in(client, make_coordinator_of(session, holder))
    refused = client.post(f"/certificates/{certificate.id}/revoke", data={"reason": "Fraud"})
    assert refused.status_code == 400
    session.refresh(certificate)
    assert certificate.revoked_at is None
    page = client.get(f"/certificates/{certificate.id}")
    assert 'name="csrf_token"' in page.text


def test_expiring_lists_unrenewed_certificates_within_the_chosen_days(
    client: FlaskClient, session: Session, complete: Complete
) -> None:
    now = utcnow()
    year_ago = now - timedelta(days=365)

    def certificate(module_id: str, expires_in_days: int, **kw: Any) -> Certificate:
        version = make_module_version(session, module_id, certificate_valid_months=12, **kw)
        user = make_user(session, name=f"Holder {module_id}")
        cert = complete(user, version, completed_at=year_ago)
        cert.expires_at = now + timedelta(days=expires_in_days)
        session.flush()
        return cert

    in_20 = certificate("m20", 20)
    in_45 = certificate("m45", 45)
    in_80 = certificate("m80", 80)
    certificate("m120", 120)
    certificate("gone", -3)
    revoked = certificate("revoked", 10)
    services.revoke(session, revoked, make_user(session), "Fraud")
    renewed = certificate("renewed", 15)
    newer = make_module_version(session, "renewed", version=2, certificate_valid_months=12)
    complete(renewed.user, newer, completed_at=now)

    holders = [c.user for c in (in_20, in_45, in_80)] + [renewed.user]
    sign_in(client, make_coordinator_of(session, *holders))
    for days, expected in ((30, [in_20]), (60, [in_20, in_45]), (90, [in_20, in_45, in_80])):
        page = client.get("/certificates/expiring", query_string={"days": days})
        assert page.status_code == 200
        shown = [c.holder_name for c in (in_20, in_45, in_80) if c.holder_name in page.text]
        assert shown == [c.holder_name for c in expected], days
        for absent in ("Holder m120", "Holder gone", "Holder revoked", "Holder renewed"):
            assert absent not in page.text
    assert [c.id for c in services.expiring(session, 90, now)] == [in_20.id, in_45.id, in_80.id]
    bad = client.get("/certificates/expiring?days=45")
    assert bad.status_code == 400
    assert "must be 30, 60 or 90" in bad.text


def test_export_zips_a_modules_certificates_with_a_manifest(
    client: FlaskClient, session: Session, complete: Complete
) -> None:
    _kim, kim_cert = trainee_with_certificate(session, complete)
    li = make_user(session, name="李伟 / Li")
    li_cert = complete(li, make_module_version(session, "victim-identification", "zh", 1))
    revoked_user = make_user(session, name="=HYPERLINK(1)")
    english = session.scalars(
        select(ModuleVersion).where(
            ModuleVersion.module_id == "victim-identification", ModuleVersion.language == "en"
        )
    ).one()
    revoked = complete(revoked_user, english)
    services.revoke(session, revoked, make_user(session), "Fraud")
    complete(make_user(session), make_module_version(session, "elsewhere"))

    sign_in(client, make_user(session, role=Role.admin))
    response = client.get("/certificates/export.zip?module=victim-identification")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "certificates-victim-identification.zip" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = sorted(archive.namelist())
    assert names == sorted(
        [
            MANIFEST,
            f"victim-identification/김민지 {format_code(kim_cert.code)}.pdf",
            f"victim-identification/李伟 Li {format_code(li_cert.code)}.pdf",
        ]
    )
    for name in names:
        if name.endswith(".pdf"):
            assert archive.read(name).startswith(b"%PDF-")
    manifest = archive.read(MANIFEST).decode("utf-8-sig")
    rows = {row["code"]: row for row in csv.DictReader(io.StringIO(manifest))}
    assert rows[format_code(revoked.code)]["status"] == "revoked"
    assert rows[format_code(revoked.code)]["file"] == ""
    assert rows[format_code(revoked.code)]["holder"] == "'=HYPERLINK(1)"  # not a formula
    assert rows[format_code(li_cert.code)]["language"] == "zh"

    assert client.get("/certificates/export.zip").status_code == 400
    assert client.get("/certificates/export.zip?module=nothing-here").status_code == 404


def test_export_refuses_more_than_the_limit(
    app: Flask, client: FlaskClient, session: Session, complete: Complete
) -> None:
    app.config["CERT_EXPORT_LIMIT"] = 1
    version = make_module_version(session)
    holders = [make_user(session) for _ in range(2)]
    for holder in holders:
        complete(holder, version)
    sign_in(client, make_coordinator_of(session, *holders))
    refused = client.get(f"/certificates/export.zip?module={version.module_id}")
    assert refused.status_code == 400
    assert "more than 1 certificates" in refused.text


def test_certificates_zip_service_takes_any_ids(
    app: Flask, session: Session, complete: Complete
) -> None:
    first = complete(make_user(session, name="A"), make_module_version(session, "one"))
    second = complete(make_user(session, name="B"), make_module_version(session, "two"))
    with app.test_request_context():
        data = certificates_zip(session, [second.id, first.id, second.id])
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert len([n for n in names if n.endswith(".pdf")]) == 2
    assert {n.split("/")[0] for n in names if n.endswith(".pdf")} == {"one", "two"}


def test_coordinator_index_filters_by_module(
    client: FlaskClient, session: Session, complete: Complete
) -> None:
    alpha_person, beta_person = (
        make_user(session, name="Alpha Person"),
        make_user(session, name="Beta Person"),
    )
    complete(alpha_person, make_module_version(session, "alpha"))
    complete(beta_person, make_module_version(session, "beta"))
    sign_in(client, make_coordinator_of(session, alpha_person, beta_person))
    everything = client.get("/certificates").text
    assert "Alpha Person" in everything and "Beta Person" in everything
    alpha = client.get("/certificates?module=alpha").text
    assert "Alpha Person" in alpha and "Beta Person" not in alpha
    assert "/certificates/export.zip?module=alpha" in alpha


def test_coordinator_can_download_certificates_of_their_organisations(
    client: FlaskClient, session: Session, complete: Complete
) -> None:
    holder, certificate = trainee_with_certificate(session, complete)
    sign_in(client, make_coordinator_of(session, holder))
    response = client.get(f"/certificates/{certificate.id}/en.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")


def test_coordinator_of_another_organisation_sees_nothing_of_these_certificates(
    client: FlaskClient, session: Session, complete: Complete
) -> None:
    holder, certificate = trainee_with_certificate(session, complete)
    make_coordinator_of(session, holder)  # the holder's own coordinator
    outsider = make_coordinator_of(session, make_user(session))
    sign_in(client, outsider)
    assert client.get(f"/certificates/{certificate.id}").status_code == 404
    assert client.get(f"/certificates/{certificate.id}/en.pdf").status_code == 404
    revoke = client.post(f"/certificates/{certificate.id}/revoke", data={"reason": "Fraud"})
    assert revoke.status_code == 404
    assert holder.name not in client.get("/certificates").text
    assert client.get(f"/certificates/export.zip?module={certificate.module_id}").status_code == 404
    session.refresh(certificate)
    assert certificate.revoked_at is None


def test_status_of_at_given_moments(app: Flask, session: Session, complete: Complete) -> None:
    _user, certificate = trainee_with_certificate(session, complete, certificate_valid_months=6)
    before = datetime(2025, 9, 1, tzinfo=UTC)
    after = datetime(2025, 9, 5, tzinfo=UTC)
    assert services.status_of(certificate, before) is services.Status.valid
    assert services.status_of(certificate, after) is services.Status.expired
