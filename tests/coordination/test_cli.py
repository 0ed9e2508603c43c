"""``lms coordination``: assigning organisations, importing a CSV file, sending invitations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.coordination.cli import coordination_cli
from lms.coordination.models import Invitation
from lms.coordination.services.organisations import assigned_organisations
from tests.auth.conftest import Inbox, smtp_config
from tests.coordination.helpers import World, build_world, snapshot

HEADER = "name,email,organisation,preferred_language,cohort"


@pytest.fixture
def app_overrides(smtp_server: Inbox) -> dict[str, Any]:
    return smtp_config(smtp_server)


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(coordination_cli, list(args))


def test_assign_and_unassign_organisations(app: Flask, session: Session, world: World) -> None:
    email = world.coordinator.email
    result = run(app, "assign", email, "sunflower shelter")
    assert result.exit_code == 0, result.output
    assert f"{email} now manages Sunflower Shelter." in result.output
    session.expire_all()
    assert [o.name for o in assigned_organisations(session, world.coordinator)] == [
        "Hana Centre Busan",
        "Sunflower Shelter",
    ]
    listed = run(app, "scope", email)
    assert "Sunflower Shelter (CN, shelter)" in listed.output

    result = run(app, "unassign", email, "Hana Centre Busan")
    assert result.exit_code == 0
    session.expire_all()
    assert [o.name for o in assigned_organisations(session, world.coordinator)] == [
        "Sunflower Shelter"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("assign", "nobody@example.org", "Sunflower Shelter"), "no account"),
        (("assign", "{member}", "Sunflower Shelter"), "is a trainee, not a coordinator"),
        (("assign", "{coordinator}", "No Such Place"), "no organisation called 'No Such Place'"),
    ],
)
def test_assign_refuses_unknown_people_non_coordinators_and_unknown_organisations(
    app: Flask, session: Session, world: World, args: tuple[str, ...], message: str
) -> None:
    before = snapshot(session)
    filled = [
        a.format(member=world.my_member.email, coordinator=world.coordinator.email) for a in args
    ]
    result = run(app, *filled)
    assert result.exit_code == 1
    assert message in result.output
    assert snapshot(session) == before


def test_import_csv_dry_run_lists_bad_rows_and_changes_nothing(
    app: Flask, session: Session, world: World, tmp_path: Path, smtp_server: Inbox
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        f"{HEADER}\n김민지,minji@example.org,Hana Centre Busan,ko,\nBob,bob@,Nowhere,,\n",
        encoding="utf-8-sig",
    )
    before = snapshot(session)
    result = run(app, "import-csv", str(path), "--dry-run", "--as", world.coordinator.email)
    assert result.exit_code == 1
    assert f"{path}:3 [email]: “bob@” is not a valid e-mail address." in result.output
    assert f"{path}:3 [organisation]: No organisation called “Nowhere”" in result.output
    assert "2 rows: 1 new, 0 existing accounts joining, 0 unchanged, 1 with problems." in (
        result.output
    )
    assert snapshot(session) == before
    assert smtp_server.messages == []


def test_import_csv_dry_run_of_a_good_file_exits_zero(
    app: Flask, session: Session, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(f"{HEADER}\n李伟,li@example.org,Hana Centre Busan,zh,\n".encode("utf-16"))
    before = snapshot(session)
    result = run(app, "import-csv", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing was changed." in result.output
    assert snapshot(session) == before


def test_import_csv_imports_and_sends_invitations(
    app: Flask, session: Session, world: World, tmp_path: Path, smtp_server: Inbox
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        f"{HEADER}\n李伟,li@example.org,Sunflower Shelter,zh,Shenyang spring\n", encoding="utf-8"
    )
    result = run(app, "import-csv", str(path))
    assert result.exit_code == 0, result.output
    assert "1 invitations sent." in result.output
    assert [m["To"] for m in smtp_server.messages] == ["li@example.org"]
    session.expire_all()
    user = session.scalars(select(User).where(User.email == "li@example.org")).one()
    invitation = session.scalars(select(Invitation).where(Invitation.user_id == user.id)).one()
    assert invitation.sent_at is not None


def test_unsent_invitations_can_be_sent_later(
    app: Flask, session: Session, world: World, tmp_path: Path, smtp_server: Inbox
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(f"{HEADER}\nAnn,ann@example.org,Hana Centre Busan,en,\n", encoding="utf-8")
    result = run(app, "import-csv", str(path), "--no-invitations")
    assert result.exit_code == 0, result.output
    assert smtp_server.messages == []
    sent = run(app, "send-invitations")
    assert sent.exit_code == 0, sent.output
    assert [m["To"] for m in smtp_server.messages] == ["ann@example.org"]
    again = run(app, "send-invitations")
    assert "Every invitation has been sent." in again.output
    assert len(smtp_server.messages) == 1


def test_import_csv_refuses_an_unreadable_file(
    app: Flask, session: Session, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(b"")
    result = run(app, "import-csv", str(path))
    assert result.exit_code == 1
    assert "The file is empty." in result.output
