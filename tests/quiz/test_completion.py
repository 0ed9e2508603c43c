"""Module completion: every lesson opened plus the quiz passed, recorded once, shown everywhere."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from lms.courses import services as courses
from lms.db import utcnow
from lms.quiz import services
from lms.quiz.models import Completion
from lms.quiz.signals import module_completed
from tests.conftest import sign_in
from tests.factories import make_module_version, make_user
from tests.quiz.helpers import (
    HALF,
    LESSONS,
    MODULE,
    RIGHT,
    enrolled_trainee,
    open_all_lessons,
    post_answers,
    quiz_module,
    start,
)


@pytest.fixture
def completed_signals() -> Any:
    received: list[dict[str, Any]] = []

    def receiver(_sender: object, **kwargs: Any) -> None:
        received.append(kwargs)

    with module_completed.connected_to(receiver):
        yield received


def _completions(session: Session, user_id: int) -> list[Completion]:
    session.expire_all()
    return list(session.scalars(select(Completion).where(Completion.user_id == user_id)))


def _open(client: FlaskClient, key: str, module_id: str = MODULE) -> None:
    assert client.get(f"/modules/{module_id}/lessons/{key}").status_code == 200


def test_a_module_without_quiz_completes_when_its_last_lesson_is_opened(
    client: FlaskClient, session: Session, completed_signals: list[dict[str, Any]]
) -> None:
    version = make_module_version(session, MODULE, "en", lessons=LESSONS)
    user = enrolled_trainee(session)
    sign_in(client, user)
    _open(client, LESSONS[0][0])
    assert _completions(session, user.id) == [] and completed_signals == []
    _open(client, LESSONS[1][0])
    [completion] = _completions(session, user.id)
    assert completion.module_version_id == version.id and completion.module_id == MODULE
    assert (completion.language, completion.score, completion.attempt_id) == ("en", None, None)
    assert completion.completed_at is not None
    assert [s["completion"].id for s in completed_signals] == [completion.id]
    # Opening lessons again changes nothing and sends nothing.
    _open(client, LESSONS[0][0])
    _open(client, LESSONS[1][0])
    assert len(_completions(session, user.id)) == 1 and len(completed_signals) == 1


def test_passing_the_quiz_before_reading_completes_at_the_last_lesson(
    client: FlaskClient, session: Session, completed_signals: list[dict[str, Any]]
) -> None:
    quiz_module(session)
    user = enrolled_trainee(session)
    sign_in(client, user)
    _open(client, LESSONS[0][0])
    attempt_id = start(client)
    post_answers(client, attempt_id, RIGHT, action="submit")
    assert _completions(session, user.id) == []
    page = client.get(f"/quiz/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "To complete the module, open the lesson you have not opened yet:" in page
    assert f'href="/modules/{MODULE}/lessons/{LESSONS[1][0]}"' in page

    _open(client, LESSONS[1][0])
    [completion] = _completions(session, user.id)
    assert (completion.score, completion.attempt_id) == (100, attempt_id)
    assert len(completed_signals) == 1


def test_a_failed_quiz_does_not_complete_the_module(client: FlaskClient, session: Session) -> None:
    quiz_module(session)
    user = enrolled_trainee(session)
    open_all_lessons(session, user)
    sign_in(client, user)
    post_answers(client, start(client), HALF, action="submit")
    _open(client, LESSONS[1][0])
    assert _completions(session, user.id) == []


def test_a_quiz_passed_in_korean_completes_the_version_once_in_every_language(
    client: FlaskClient, session: Session, completed_signals: list[dict[str, Any]]
) -> None:
    quiz_module(session, language="en")
    quiz_module(session, language="ko")
    user = enrolled_trainee(session, preferred_language="ko")
    open_all_lessons(session, user)
    sign_in(client, user)
    post_answers(client, start(client), RIGHT, action="submit")
    [completion] = _completions(session, user.id)
    assert completion.language == "ko"
    user.preferred_language = "en"
    session.flush()
    _open(client, LESSONS[1][0])  # the English version of the same version number
    assert len(_completions(session, user.id)) == 1 and len(completed_signals) == 1


def test_a_new_version_is_completed_on_its_own_and_the_old_completion_stays(
    client: FlaskClient, session: Session
) -> None:
    quiz_module(session, version=1)
    user = enrolled_trainee(session)
    open_all_lessons(session, user)
    sign_in(client, user)
    post_answers(client, start(client), RIGHT, action="submit")
    quiz_module(session, version=2)
    _open(client, LESSONS[1][0])  # every key is opened, but version 2's quiz is not passed
    [old] = _completions(session, user.id)
    page = client.get(f"/modules/{MODULE}").get_data(as_text=True)
    assert "(version 1; the module now has version 2)" in page
    post_answers(client, start(client), RIGHT, action="submit")
    completions = _completions(session, user.id)
    assert [c.module_version.version for c in completions] == [1, 2]
    assert completions[0].id == old.id


def test_a_completion_recorded_meanwhile_by_another_request_is_kept_single(
    session: Session, monkeypatch: pytest.MonkeyPatch, completed_signals: list[dict[str, Any]]
) -> None:
    version = make_module_version(session, MODULE, "en", lessons=LESSONS)
    user = enrolled_trainee(session)
    open_all_lessons(session, user)
    real = services.lessons_not_opened

    def racing(*args: Any) -> Any:
        # Another request records the same completion between our check and our insert.
        session.execute(
            insert(Completion).values(
                user_id=user.id,
                module_id=MODULE,
                module_version_id=version.id,
                language="en",
                completed_at=utcnow(),
            )
        )
        return real(*args)

    monkeypatch.setattr(services, "lessons_not_opened", racing)
    assert services.evaluate_completion(session, user.id, version.id) is None
    # The SAVEPOINT rolled back only our insert: the transaction goes on, with one row.
    assert len(_completions(session, user.id)) == 1
    assert completed_signals == []


def test_completion_shows_on_the_catalog_with_a_fixed_number_of_queries(
    client: FlaskClient,
    session: Session,
    count_queries: Callable[[], AbstractContextManager[list[str]]],
) -> None:
    user = make_user(session)
    sign_in(client, user)

    def complete(n: int) -> None:
        module_id = f"m-{n:02d}"
        make_module_version(session, module_id, lessons=LESSONS)
        enrolment, _created = courses.enrol(session, user.id, module_id)
        resolved = courses.resolve_module(session, module_id, "en")
        for key, _title in LESSONS:
            courses.open_lesson(session, enrolment, resolved, key)

    complete(1)
    with count_queries() as few:
        small = client.get("/modules").get_data(as_text=True)
    for n in range(2, 8):
        complete(n)
    with count_queries() as many:
        large = client.get("/modules").get_data(as_text=True)
    assert small.count("Completed on") == 1 and large.count("Completed on") == 7
    assert len(many) == len(few)
    assert client.get("/my-learning").get_data(as_text=True).count("Completed on") == 7
