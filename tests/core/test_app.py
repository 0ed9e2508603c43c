"""The application shell: configuration, headers, health, redirects, language choice."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lms import create_app
from lms.config import ConfigError
from lms.security import safe_next
from tests.conftest import app_config, sign_in
from tests.factories import make_user


def test_production_refuses_to_start_without_secret_key() -> None:
    with pytest.raises(ConfigError, match="LMS_SECRET_KEY"):
        create_app(app_config(ENV="production", SECRET_KEY=""))


def test_unknown_environment_name_is_refused() -> None:
    with pytest.raises(ConfigError, match="LMS_ENV"):
        create_app(app_config(ENV="staging"))


def test_development_generates_and_keeps_a_secret_key(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import lms.config

    monkeypatch.setattr(lms.config, "_development_secret", lambda _p: "kept-key")
    app = create_app(app_config(ENV="development", SECRET_KEY=""))
    assert app.config["SECRET_KEY"] == "kept-key"


def test_settings_come_from_lms_environment_variables(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LMS_REGISTRATION_OPEN", "false")
    monkeypatch.setenv("LMS_SITE_NAME", "Passage Busan")
    config = app_config()
    del config["SERVER_NAME"]
    app = create_app({k: v for k, v in config.items() if k not in ("REGISTRATION_OPEN",)})
    assert app.config["REGISTRATION_OPEN"] is False
    assert app.config["SITE_NAME"] == "Passage Busan"


def test_production_cookies_are_secure_httponly_and_samesite() -> None:
    app = create_app(app_config(ENV="production", SECRET_KEY="x" * 32))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_pages_carry_security_headers_and_a_csp_without_inline_script(client: FlaskClient) -> None:
    response = client.get("/modules")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    assert "<script>" not in body and " style=" not in body and " onclick=" not in body


def test_static_files_are_served_with_a_content_hash(client: FlaskClient) -> None:
    page = client.get("/modules").get_data(as_text=True)
    assert "/static/style.css?v=" in page
    with client.get("/static/style.css") as response:
        assert response.status_code == 200
        assert "Noto Sans KR" in response.get_data(as_text=True)


def test_health_reports_a_reachable_database(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_health_reports_an_unreachable_database_as_503(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "db.sqlite"
    app = create_app(app_config(DATABASE_URL=f"sqlite:///{missing}"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_out_of_date_schema_gets_a_clear_503_page(tmp_path: Path) -> None:
    app = create_app(
        app_config(DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}", SCHEMA_CHECK=True)
    )
    response = app.test_client().get("/modules")
    assert response.status_code == 503
    assert "lms db upgrade" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/\x00x",
        "",
        None,
    ],
)
def test_next_redirects_never_leave_the_site(target: str | None) -> None:
    assert safe_next(target) is None


def test_next_redirects_keep_local_paths() -> None:
    assert safe_next("/modules/trafficking-basics?x=1") == "/modules/trafficking-basics?x=1"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ko-KR,ko;q=0.9", "ko"),
        ("zh-CN,zh;q=0.9,en;q=0.5", "zh"),
        ("zh-Hans", "zh"),
        ("fr-FR,de", "en"),
        ("vi,ko;q=0.5", "ko"),
    ],
)
def test_locale_follows_accept_language(client: FlaskClient, header: str, expected: str) -> None:
    page = client.get("/modules", headers={"Accept-Language": header}).get_data(as_text=True)
    lang = {"ko": "ko", "zh": "zh-Hans", "en": "en"}[expected]
    assert f'<html lang="{lang}">' in page


def test_language_switch_is_remembered_for_the_visitor(client: FlaskClient) -> None:
    response = client.post("/language", data={"language": "ko", "next": "/modules"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/modules")
    page = client.get("/modules", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ko">' in page


def test_language_switch_is_saved_on_the_account(client: FlaskClient, session: Session) -> None:
    user = make_user(session, preferred_language="en")
    session.commit()
    sign_in(client, user)
    client.post("/language", data={"language": "zh", "next": "//evil.example"})
    session.expire_all()
    assert session.get(type(user), user.id).preferred_language == "zh"  # type: ignore[union-attr]


def test_language_switch_rejects_an_unknown_language(client: FlaskClient) -> None:
    assert client.post("/language", data={"language": "xx"}).status_code == 400


def test_unknown_address_is_a_404_page_in_the_layout(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "<main" in response.get_data(as_text=True)


def test_language_switch_needs_a_csrf_token(app: Flask, connection) -> None:  # type: ignore[no-untyped-def]
    csrf_app = create_app(app_config(WTF_CSRF_ENABLED=True))
    csrf_app.extensions["lms.db"].bind = connection
    response = csrf_app.test_client().post("/language", data={"language": "ko"})
    assert response.status_code == 400
