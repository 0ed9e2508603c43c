"""The quiz forms carry a CSRF token, and a post without it changes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.quiz.models import QuizAttempt
from tests.conftest import sign_in
from tests.quiz.helpers import MODULE, enrolled_trainee, quiz_module


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"WTF_CSRF_ENABLED": True}


def _token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match is not None
    return match.group(1)


def test_quiz_forms_work_with_their_token_and_refuse_posts_without_it(
    client: FlaskClient, session: Session
) -> None:
    quiz_module(session)
    user = enrolled_trainee(session)
    sign_in(client, user)
    quiz_page = client.get(f"/modules/{MODULE}/quiz").get_data(as_text=True)
    assert client.post(f"/modules/{MODULE}/quiz/start").status_code == 400
    assert session.scalars(select(QuizAttempt)).all() == []

    started = client.post(f"/modules/{MODULE}/quiz/start", data={"csrf_token": _token(quiz_page)})
    assert started.status_code == 302
    form_url = started.headers["Location"]
    token = _token(client.get(form_url).get_data(as_text=True))

    forged = client.post(form_url, data={"action": "submit", "q-1": "b"})
    assert forged.status_code == 400
    session.expire_all()
    [attempt] = session.scalars(select(QuizAttempt)).all()
    assert attempt.submitted_at is None and attempt.answers == {}

    saved = client.post(form_url, data={"action": "save", "q-1": "b", "csrf_token": token})
    assert saved.status_code == 302
    session.expire_all()
    assert session.scalars(select(QuizAttempt)).one().answers == {"1": ["b"]}
