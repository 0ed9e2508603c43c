"""The import pages: upload, preview, confirm; invitations through a real SMTP server."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import TestResponse, encode_multipart

from lms.auth.models import User
from lms.coordination.models import CsvUpload, Invitation
from lms.db import utcnow
from tests.auth.conftest import Inbox, smtp_config
from tests.conftest import sign_in
from tests.coordination.helpers import World, build_world, snapshot

HEADER = "name,email,organisation,preferred_language,cohort"
FILE = (
    "\ufeff"
    + "\r\n".join(
        [
            HEADER,
            "김민지,minji@example.org,Hana Centre Busan,ko,Busan spring",
            "李伟,li.wei@example.org,Hana Centre Busan,zh,Busan spring",
        ]
    )
    + "\r\n"
).encode()
LINK = re.compile(r"https?://passage\.test(/invitation/[A-Za-z0-9_.\-]+)")
NEW_PASSWORD = "새 비밀번호는 충분히 길다"


@pytest.fixture
def app_overrides(smtp_server: Inbox) -> dict[str, Any]:
    return smtp_config(smtp_server)


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def upload(
    client: FlaskClient, data: bytes, filename: str = "people.csv", **fields: str
) -> TestResponse:
    # Encoded in memory: the test client would spill a large body to a file it never closes.
    boundary, body = encode_multipart(
        MultiDict({"file": FileStorage(io.BytesIO(data), filename), **fields})
    )
    return client.post(
        "/coordination/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def token_of(response: TestResponse) -> str:
    assert response.status_code == 302, response.text
    match = re.fullmatch(r"/coordination/import/([A-Za-z0-9_\-]+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def confirm(client: FlaskClient, session: Session, token: str) -> TestResponse:
    session.expire_all()
    stored = session.scalars(select(CsvUpload).where(CsvUpload.token == token)).one()
    return client.post(f"/coordination/import/{token}", data={"sha256": stored.sha256})


def test_upload_preview_confirm_then_the_invited_people_set_passwords_and_sign_in(
    client: FlaskClient, session: Session, world: World, smtp_server: Inbox
) -> None:
    sign_in(client, world.coordinator)
    token = token_of(upload(client, FILE))

    preview = client.get(f"/coordination/import/{token}")
    assert preview.status_code == 200
    assert "김민지" in preview.text and "李伟" in preview.text
    assert "2 new accounts will be created" in preview.text
    assert smtp_server.messages == []  # the preview changes nothing and sends nothing
    assert session.scalar(select(User).where(User.email == "minji@example.org")) is None

    done = confirm(client, session, token)
    assert done.status_code == 302
    assert len(smtp_server.messages) == 2
    by_recipient = {m["To"]: m for m in smtp_server.messages}

    korean = by_recipient["minji@example.org"]
    body = korean.get_content()
    assert korean.get_content_charset() == "utf-8"
    assert "김민지" in body
    assert "Park Soo-yeon" in body  # who invited them
    assert re.search(r"\d{4}년 \d{1,2}월 \d{1,2}일", body), body  # the expiry, the Korean way
    assert "Hello" not in body  # composed in Korean, not English

    chinese = by_recipient["li.wei@example.org"]
    chinese_body = chinese.get_content()
    assert "李伟" in chinese_body
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", chinese_body), chinese_body
    assert "Hello" not in chinese_body

    # Before choosing a password, nobody can sign in as them.
    client.post("/logout")
    assert (
        client.post("/login", data={"email": "minji@example.org", "password": ""}).status_code
        == 200
    )

    for message, email in ((korean, "minji@example.org"), (chinese, "li.wei@example.org")):
        match = LINK.search(message.get_content())
        assert match, message.get_content()
        path = match.group(1)
        page = client.get(path)
        assert page.status_code == 200
        assert email in page.text
        set_password = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert set_password.status_code == 302
        assert set_password.headers["Location"] == "/login"
        # The link works once.
        assert client.get(path).status_code == 400
        signed_in = client.post("/login", data={"email": email, "password": NEW_PASSWORD})
        assert signed_in.status_code == 302, signed_in.text
        client.post("/logout")

    session.expire_all()
    accepted = session.scalars(select(Invitation).where(Invitation.accepted_at.is_not(None)))
    assert len(list(accepted)) == 2


def test_confirming_twice_or_importing_the_same_file_again_changes_nothing(
    client: FlaskClient, session: Session, world: World, smtp_server: Inbox
) -> None:
    sign_in(client, world.coordinator)
    token = token_of(upload(client, FILE))
    confirm(client, session, token)
    assert len(smtp_server.messages) == 2
    before = snapshot(session)

    again = confirm(client, session, token)
    assert again.status_code == 302
    assert snapshot(session) == before

    second = token_of(upload(client, FILE))
    preview = client.get(f"/coordination/import/{second}")
    assert "2 rows change nothing" in preview.text
    confirm(client, session, second)
    after = snapshot(session)
    assert after["csv_uploads"] == before["csv_uploads"] + 1  # only the new upload itself
    after["csv_uploads"] = before["csv_uploads"]
    assert after == before
    assert len(smtp_server.messages) == 2  # no one was invited twice
    done = client.get(f"/coordination/import/{token}")
    assert "Import done" in done.text


def test_a_preview_with_problems_lists_them_and_cannot_be_confirmed(
    client: FlaskClient, session: Session, world: World, smtp_server: Inbox
) -> None:
    sign_in(client, world.coordinator)
    data = (HEADER + "\nAnn,ann@example.org,Hana Centre Busan,en,\nBob,bob@,Nowhere,xx,\n").encode()
    token = token_of(upload(client, data))
    preview = client.get(f"/coordination/import/{token}")
    assert "1 row has problems" in preview.text
    assert "Line 3, column email:</strong> “bob@” is not a valid e-mail address." in preview.text
    assert "Unknown language “xx”" in preview.text
    assert "Import and send the invitations" not in preview.text
    before = snapshot(session)
    refused = confirm(client, session, token)
    assert refused.status_code == 302
    assert snapshot(session) == before
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "people.csv", "The file is empty."),
        (b"%PDF-1.7", "people.pdf", "is not a CSV file"),
        (b"PK\x03\x04rest", "people.xlsx", "is not a CSV file"),
        (b"PK\x03\x04rest", "people.csv", "Excel workbook"),
        (b"x" * (5 * 1024 * 1024 + 1), "big.csv", "The file is too large"),
    ],
)
def test_bad_files_are_refused_on_the_upload_page(
    client: FlaskClient, session: Session, world: World, data: bytes, filename: str, message: str
) -> None:
    sign_in(client, world.coordinator)
    response = upload(client, data, filename)
    assert response.status_code == 200
    assert message in response.text
    assert snapshot(session)["csv_uploads"] == 0


def test_an_upload_with_no_file_says_to_choose_one(client: FlaskClient, world: World) -> None:
    sign_in(client, world.coordinator)
    response = client.post("/coordination/import", data={}, content_type="multipart/form-data")
    assert "Choose a CSV file to upload." in response.text


def test_an_expired_upload_cannot_be_previewed_or_confirmed(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in(client, world.coordinator)
    token = token_of(upload(client, FILE))
    stored = session.scalars(select(CsvUpload).where(CsvUpload.token == token)).one()
    stored.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert client.get(f"/coordination/import/{token}").status_code == 410
    before = snapshot(session)
    assert (
        client.post(f"/coordination/import/{token}", data={"sha256": stored.sha256}).status_code
        == 410
    )
    assert snapshot(session) == before


def test_a_confirmation_for_other_content_is_refused(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in(client, world.coordinator)
    token = token_of(upload(client, FILE))
    before = snapshot(session)
    response = client.post(f"/coordination/import/{token}", data={"sha256": "0" * 64})
    assert response.status_code == 400
    assert snapshot(session) == before


def test_a_new_upload_clears_away_expired_ones(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in(client, world.coordinator)
    old = token_of(upload(client, FILE))
    stored = session.scalars(select(CsvUpload).where(CsvUpload.token == old)).one()
    stored.expires_at = utcnow() - timedelta(hours=1)
    session.commit()
    token_of(upload(client, FILE))
    session.expire_all()
    assert session.scalar(select(CsvUpload).where(CsvUpload.token == old)) is None


class TestWithCsrf:
    @pytest.fixture
    def app_overrides(self, smtp_server: Inbox) -> dict[str, Any]:
        return {**smtp_config(smtp_server), "WTF_CSRF_ENABLED": True}

    def test_confirming_without_the_csrf_token_is_refused(
        self, client: FlaskClient, session: Session, world: World
    ) -> None:
        sign_in(client, world.coordinator)
        page = client.get("/coordination/import")
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
        assert csrf, page.text
        token = token_of(upload(client, FILE, csrf_token=csrf.group(1)))
        before = snapshot(session)
        stored = session.scalars(select(CsvUpload).where(CsvUpload.token == token)).one()
        refused = client.post(f"/coordination/import/{token}", data={"sha256": stored.sha256})
        assert refused.status_code == 400
        assert snapshot(session) == before
