"""Helpers for the quiz tests: modules with quizzes, enrolled trainees, posting answers."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from lms.auth.models import User
from lms.content.models import ModuleVersion
from lms.courses.models import Enrolment, LessonProgress
from tests.factories import make_module_version, make_quiz_data, make_user

MODULE = "victim-identification"
LESSONS = [("01-who", "Who is a victim"), ("02-indicators", "Indicators")]


def quiz_module(
    session: Session,
    quiz: dict[str, Any] | None = None,
    module_id: str = MODULE,
    language: str = "en",
    version: int = 1,
    **overrides: Any,
) -> ModuleVersion:
    """A module version with two lessons and a quiz (default: ``make_quiz_data()``)."""
    return make_module_version(
        session,
        module_id,
        language,
        version,
        lessons=LESSONS,
        quiz_data=quiz if quiz is not None else make_quiz_data(),
        **overrides,
    )


def enrolled_trainee(session: Session, module_id: str = MODULE, **overrides: Any) -> User:
    user = make_user(session, **overrides)
    session.add(Enrolment(user_id=user.id, module_id=module_id))
    session.flush()
    return user


def open_all_lessons(session: Session, user: User, module_id: str = MODULE) -> None:
    for key, _title in LESSONS:
        session.add(LessonProgress(user_id=user.id, module_id=module_id, lesson_key=key))
    session.flush()


def start(client: FlaskClient, module_id: str = MODULE) -> int:
    """Start (or resume) an attempt through the quiz page's form; returns the attempt id."""
    response = client.post(f"/modules/{module_id}/quiz/start")
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert "/quiz/attempts/" in location, location
    return int(location.rsplit("/", 1)[1])


def post_answers(
    client: FlaskClient, attempt_id: int, answers: dict[str, list[str]], action: str = "save"
) -> TestResponse:
    """Post the attempt form as a browser would: ``q-<id>`` fields plus the button pressed."""
    data: list[tuple[str, str]] = [("action", action)]
    for question_id, option_ids in answers.items():
        data.extend((f"q-{question_id}", option_id) for option_id in option_ids)
    return client.post(f"/quiz/attempts/{attempt_id}", data=MultiDict(data))


RIGHT = {"1": ["b"], "2": ["b"], "3": ["b"], "4": ["a"]}  # the default quiz, all right
HALF = {"1": ["b"], "2": ["b"], "3": ["a"], "4": ["b"]}  # the default quiz, 2 of 4 right
