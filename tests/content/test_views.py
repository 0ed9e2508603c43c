"""The media route and the trainers' content status page."""

from __future__ import annotations

import hashlib

import pytest
from babel.dates import format_date
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lms.auth.models import Role
from lms.content.models import MediaFile
from lms.content.services import import_tree
from tests.conftest import sign_in
from tests.content.helpers import FIXTURE_TREE
from tests.factories import make_module_version, make_user

PNG_URL = "/media/sample-module/en/1/elements.png"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><script>x()</script></svg>'


def test_media_is_served_with_its_type_and_long_caching(
    client: FlaskClient, session: Session
) -> None:
    import_tree(session, FIXTURE_TREE)
    data = (FIXTURE_TREE / "en/sample-module/media/elements.png").read_bytes()

    response = client.get(PNG_URL)

    assert response.status_code == 200
    assert response.content_type == "image/png"
    assert response.data == data
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["ETag"] == f'"{hashlib.sha256(data).hexdigest()}"'


def test_media_answers_not_modified_to_a_matching_etag(
    client: FlaskClient, session: Session
) -> None:
    import_tree(session, FIXTURE_TREE)
    etag = client.get(PNG_URL).headers["ETag"]

    response = client.get(PNG_URL, headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.data == b""


def test_svg_is_sandboxed(client: FlaskClient, session: Session) -> None:
    version = make_module_version(session, "svg-module")
    version.media.append(
        MediaFile(
            path="diagram.svg",
            content_type="image/svg+xml",
            sha256=hashlib.sha256(SVG).hexdigest(),
            data=SVG,
        )
    )
    session.flush()

    response = client.get("/media/svg-module/en/1/diagram.svg")

    assert response.status_code == 200
    assert response.content_type == "image/svg+xml"
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )


@pytest.mark.parametrize(
    "url",
    [
        "/media/sample-module/en/1/missing.png",
        "/media/sample-module/en/2/elements.png",
        "/media/sample-module/ko/1/elements.png",
        "/media/sample-module/xx/1/elements.png",
        "/media/no-module/en/1/elements.png",
        "/media/sample-module/en/one/elements.png",
    ],
)
def test_media_that_does_not_exist_is_404(client: FlaskClient, session: Session, url: str) -> None:
    import_tree(session, FIXTURE_TREE)
    assert client.get(url).status_code == 404


def _translations_at_different_versions(session: Session) -> None:
    make_module_version(session, "sample-module", "en", version=1, title="Sample")
    make_module_version(session, "sample-module", "en", version=3, title="Sample module")
    make_module_version(session, "sample-module", "ko", version=1, source_version=1)
    make_module_version(session, "sample-module", "zh", version=2, source_version=3)


def test_status_page_is_refused_to_trainees(client: FlaskClient, session: Session) -> None:
    sign_in(client, make_user(session, role=Role.trainee))
    assert client.get("/content/status").status_code == 403


def test_status_page_is_refused_to_visitors(client: FlaskClient) -> None:
    assert client.get("/content/status").status_code in (302, 401)


@pytest.mark.parametrize("role", [Role.trainer, Role.admin])
def test_status_page_flags_translations_behind_english(
    client: FlaskClient, session: Session, role: Role
) -> None:
    _translations_at_different_versions(session)
    make_module_version(session, "english-only", "en", version=1)
    sign_in(client, make_user(session, role=role))

    response = client.get("/content/status")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Sample module" in page
    assert "Version 3" in page
    assert '<strong class="badge warn">Behind by 2 versions</strong>' in page
    assert "Translated from English version 1" in page
    assert '<span class="badge done">Current</span>' in page
    assert "1 translation is behind English." in page
    assert page.count('class="badge">Missing</span>') == 2  # english-only in ko and zh


def test_status_page_without_modules_says_so(client: FlaskClient, session: Session) -> None:
    sign_in(client, make_user(session, role=Role.trainer))
    page = client.get("/content/status").get_data(as_text=True)
    assert "No modules have been imported yet." in page


@pytest.mark.parametrize("language", ["en", "ko", "zh"])
def test_status_page_dates_follow_the_reader_language(
    client: FlaskClient, session: Session, language: str
) -> None:
    version = make_module_version(session, "sample-module", "en", version=1)
    sign_in(client, make_user(session, role=Role.trainer, preferred_language=language))

    page = client.get("/content/status").get_data(as_text=True)

    assert format_date(version.imported_at, "medium", locale=language) in page
