"""Transcripts: a person's modules, progress, attempts, completions and certificates."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from lms.certificates.codes import format_code
from tests.conftest import sign_in
from tests.coordination.dashboard_helpers import (
    BASICS,
    IDENTIFY,
    World,
    assign,
    at,
    build_world,
    complete,
    open_lessons,
    participate,
    today,
)
from tests.factories import make_cohort, make_module_version


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def url(world_person_id: int) -> str:
    return f"/coordination/people/{world_person_id}/transcript"


def section(html: str, module_id: str) -> str:
    found = re.search(
        rf'<section class="transcript-module" id="module-{module_id}".*?</section>', html, re.S
    )
    assert found, module_id
    return found.group(0)


def test_coordinator_sees_the_whole_record(client: FlaskClient, world: World) -> None:
    sign_in(client, world.coordinator)
    response = client.get(url(world.minji.id))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "김민지" in html and world.minji.email in html
    assert world.mine.name in html
    basics = section(html, BASICS)
    assert "Trafficking basics" in basics
    assert "Completed" in basics
    assert "Busan spring" in basics
    assert "3 of 3 lessons opened" in basics
    assert format_code(world.minji_certificate.code) in basics
    assert "Valid" in basics
    assert "90%" in basics  # the attempt's and the completion's score
    assert "한국어" in basics  # taken in Korean
    assert "Passed" in basics
    identify = section(html, IDENTIFY)
    assert "In progress" in identify
    assert "1 of 2 lessons opened" in identify
    assert "No quiz attempts." in identify


def test_statuses_overdue_and_expired(client: FlaskClient, world: World) -> None:
    sign_in(client, world.coordinator)
    html = client.get(url(world.wang.id)).get_data(as_text=True)
    assert "Overdue" in section(html, BASICS)
    assert "Not started" in section(html, IDENTIFY)
    html = client.get(url(world.expired.id)).get_data(as_text=True)
    basics = section(html, BASICS)
    assert "Certificate expired" in basics
    assert "Expired" in basics


def test_other_organisations_people_are_not_found(client: FlaskClient, world: World) -> None:
    sign_in(client, world.other)
    assert client.get(url(world.minji.id)).status_code == 404
    sign_in(client, world.coordinator)
    assert client.get(url(world.li.id)).status_code == 404
    assert client.get(url(999_999)).status_code == 404


def test_admin_sees_anyone(client: FlaskClient, world: World) -> None:
    sign_in(client, world.admin)
    assert client.get(url(world.li.id)).status_code == 200


def test_trainees_cannot_open_coordination_transcripts(client: FlaskClient, world: World) -> None:
    sign_in(client, world.minji)
    assert client.get(url(world.minji.id)).status_code == 403


def test_cohorts_outside_the_scope_are_left_out(
    client: FlaskClient, session: Session, world: World
) -> None:
    shared = make_cohort(session, (world.mine, world.theirs), name="Joint Shenyang training")
    make_module_version(session, "referral-pathways", title="Referral pathways")
    assign(session, shared, "referral-pathways", today() + timedelta(days=5))
    participate(session, shared, world.minji)
    session.commit()
    sign_in(client, world.coordinator)
    html = client.get(url(world.minji.id)).get_data(as_text=True)
    assert "Joint Shenyang training" not in html
    assert "Referral pathways" not in html
    sign_in(client, world.minji)
    own = client.get("/my/transcript").get_data(as_text=True)
    assert "Joint Shenyang training" in own
    assert "Referral pathways" in own


def test_trainee_reads_their_own_transcript(client: FlaskClient, world: World) -> None:
    sign_in(client, world.minji)
    response = client.get("/my/transcript")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "인신매매 기초" in html  # module titles in her language (Korean)
    assert format_code(world.minji_certificate.code) in html
    assert world.wang.name not in html
    assert 'class="breadcrumb"' not in html


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, world: World) -> None:
    response = client.get("/my/transcript")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_queries_do_not_grow_with_the_record(
    client: FlaskClient, session: Session, connection: Connection, world: World
) -> None:
    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        event.listen(connection, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(connection, "before_cursor_execute", record)

    sign_in(client, world.coordinator)
    with counting() as small:
        assert client.get(url(world.idle.id)).status_code == 200
    for n in range(6):
        module_id = f"extra-module-{n}"
        version = make_module_version(session, module_id, title=f"Extra {n}")
        assign(session, world.my_cohort, module_id, today())
        open_lessons(session, world.idle, module_id, "01-intro", "02-more")
        complete(
            session, world.idle, version, at(today()), expires_at=at(today() + timedelta(days=9))
        )
    session.commit()
    with counting() as large:
        html = client.get(url(world.idle.id)).get_data(as_text=True)
    assert "Extra 5" in html
    assert len(small) == len(large)
