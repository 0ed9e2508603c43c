"""``lms users create`` and ``lms users list``."""

from __future__ import annotations

from typing import Any

from click.testing import Result
from flask import Flask
from sqlalchemy.orm import Session

from lms.auth.cli import users_cli
from lms.auth.models import Role
from lms.auth.services import find_user
from tests.factories import make_user


def run(app: Flask, *args: str, **kwargs: Any) -> Result:
    """Run ``lms users ARGS`` in an app context of its own, as the real command gets."""
    with app.app_context():  # its database session is closed when the command ends
        return app.test_cli_runner().invoke(users_cli, list(args), **kwargs)


def create(app: Flask, email: str, name: str, role: str, *extra: str, **kwargs: Any) -> Result:
    return run(app, "create", "--email", email, "--name", name, "--role", role, *extra, **kwargs)


def test_create_with_a_password_option_makes_the_account(app: Flask, session: Session) -> None:
    result = create(
        app,
        "Coordinator@Example.org",
        "Park Soo-yeon 박수연",
        "coordinator",
        *("--language", "ko", "--password", "a long enough password"),
    )
    assert result.exit_code == 0, result.output
    assert "coordinator@example.org" in result.output
    user = find_user(session, "coordinator@example.org")
    assert user is not None
    assert user.name == "Park Soo-yeon 박수연"
    assert (user.role, user.preferred_language) == (Role.coordinator, "ko")
    assert user.check_password("a long enough password")


def test_create_asks_for_the_password_twice_when_not_given(app: Flask, session: Session) -> None:
    secret = "typed twice secret"
    result = create(app, "t@example.org", "T", "trainer", input=f"{secret}\n{secret}\n")
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    assert secret not in result.output  # hidden input
    user = find_user(session, "t@example.org")
    assert user is not None and user.role is Role.trainer and user.preferred_language == "en"
    assert user.check_password(secret)


def test_create_refuses_a_taken_email_with_exit_code_1(app: Flask, session: Session) -> None:
    make_user(session, email="taken@example.org", name="First")
    result = create(
        app, "TAKEN@example.org", "Second", "trainee", "--password", "a long enough password"
    )
    assert result.exit_code == 1
    assert "already exists" in result.output
    user = find_user(session, "taken@example.org")
    assert user is not None and user.name == "First"


def test_create_refuses_a_weak_password_with_the_reason(app: Flask, session: Session) -> None:
    result = create(app, "w@example.org", "W", "admin", "--password", "short")
    assert result.exit_code == 1
    assert "at least 10 characters" in result.output
    assert find_user(session, "w@example.org") is None


def test_create_refuses_an_unknown_role(app: Flask) -> None:
    result = create(app, "r@example.org", "R", "root", "--password", "x" * 12)
    assert result.exit_code == 2
    assert "trainee" in result.output


def test_list_shows_every_account_in_a_table(app: Flask, session: Session) -> None:
    make_user(
        session, email="b@example.org", name="Li 李伟", role=Role.trainer, preferred_language="zh"
    )
    make_user(session, email="a@example.org", name="Ann", role=Role.admin)
    make_user(session, email="c@example.org", name="Gone", is_active_account=False)
    result = run(app, "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["E-MAIL", "NAME", "ROLE", "LANGUAGE"]
    assert lines[1].split() == ["a@example.org", "Ann", "admin", "en"]
    assert lines[2].split() == ["b@example.org", "Li", "李伟", "trainer", "zh"]
    assert lines[3].split() == ["c@example.org", "Gone", "trainee", "(inactive)", "en"]
    # Columns line up, counting each Hanzi as two terminal columns.
    assert lines[1].index("admin") == lines[2].index("trainer") + 2


def test_list_without_accounts_says_how_to_create_one(app: Flask) -> None:
    result = run(app, "list")
    assert result.exit_code == 0
    assert "lms users create" in result.output
