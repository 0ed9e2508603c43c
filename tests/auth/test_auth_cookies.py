"""Session and remember-me cookies: HttpOnly and SameSite=Lax always, Secure in production."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lms import create_app
from tests.conftest import app_config
from tests.factories import PASSWORD, make_user


def cookie_header(set_cookies: list[str], name: str) -> str:
    [header] = [h for h in set_cookies if h.startswith(f"{name}=")]
    return header


def test_production_session_cookie_is_secure_httponly_and_lax() -> None:
    app = create_app(app_config(ENV="production", SECRET_KEY="p" * 64, WTF_CSRF_ENABLED=True))
    response = app.test_client().get("/login", base_url="https://passage.test")
    assert response.status_code == 200
    header = cookie_header(response.headers.getlist("Set-Cookie"), "passage_session")
    assert "; Secure" in header
    assert "; HttpOnly" in header
    assert "; SameSite=Lax" in header


def test_session_cookie_outside_production_is_httponly_and_lax(client: FlaskClient) -> None:
    response = client.post("/language", data={"language": "zh", "next": "/login"})
    header = cookie_header(response.headers.getlist("Set-Cookie"), "passage_session")
    assert "; HttpOnly" in header and "; SameSite=Lax" in header
    assert "; Secure" not in header


def test_remember_me_cookie_is_httponly_and_lax(client: FlaskClient, session: Session) -> None:
    make_user(session, email="kim@example.org")
    response = client.post(
        "/login", data={"email": "kim@example.org", "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    header = cookie_header(response.headers.getlist("Set-Cookie"), "remember_token")
    assert "; HttpOnly" in header and "; SameSite=Lax" in header


def test_without_remember_me_no_remember_cookie_is_set(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, email="kim@example.org")
    response = client.post("/login", data={"email": "kim@example.org", "password": PASSWORD})
    assert not [
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")
    ]
