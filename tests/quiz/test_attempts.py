"""Taking a quiz through its pages: start, resume, save, submit, results, limits and history."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, format_date, format_datetime
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.db import utcnow
from lms.quiz.models import Completion, QuizAttempt
from tests.conftest import sign_in
from tests.factories import make_module_version, make_question, make_quiz_data, make_user
from tests.quiz.helpers import (
    HALF,
    MODULE,
    enrolled_trainee,
    open_all_lessons,
    post_answers,
    quiz_module,
    start,
)

QUIZ_URL = f"/modules/{MODULE}/quiz"


def _attempts(session: Session, user_id: int) -> list[QuizAttempt]:
    session.expire_all()
    return list(
        session.scalars(
            select(QuizAttempt).where(QuizAttempt.user_id == user_id).order_by(QuizAttempt.id)
        )
    )


def _page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def _option_order(page: str) -> list[tuple[str, str]]:
    return re.findall(r'name="q-(\w+)" value="(\w+)"', page)


def test_only_enrolled_trainees_can_start_an_attempt(client: FlaskClient, session: Session) -> None:
    quiz_module(session)
    user = make_user(session)
    sign_in(client, user)
    response = client.post(f"{QUIZ_URL}/start")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/modules/{MODULE}")
    assert "Enrol in this module to take its quiz." in _page(client, f"/modules/{MODULE}")
    assert _attempts(session, user.id) == []
    # The quiz page says so and offers enrolment instead of a start button.
    page = _page(client, QUIZ_URL)
    assert "Enrol in this module to take its quiz." in page
    assert "/quiz/start" not in page


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, session: Session) -> None:
    quiz_module(session)
    for response in (client.get(QUIZ_URL), client.post(f"{QUIZ_URL}/start")):
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_start_draws_once_and_a_reload_or_another_device_shows_the_same_attempt(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    questions = [
        make_question(f"Pool question {n}?", [(f"o{n}{x}", x == "w") for x in "wxyz"])
        for n in range(1, 9)
    ]
    quiz_module(session, make_quiz_data(questions, draw=5, shuffle=True))
    user = enrolled_trainee(session)
    sign_in(client, user)
    attempt_id = start(client)
    [attempt] = _attempts(session, user.id)
    assert len(attempt.layout) == 5 and attempt.submitted_at is None
    first = _page(client, f"/quiz/attempts/{attempt_id}")
    drawn = [(item["id"], oid) for item in attempt.layout for oid in item["options"]]
    assert _option_order(first) == drawn
    # Reloading, pressing Start again, or opening it on another device: the same attempt.
    assert _page(client, f"/quiz/attempts/{attempt_id}") == first
    assert start(client) == attempt_id
    other_device = sign_in(app.test_client(), user)
    assert _option_order(_page(other_device, f"/quiz/attempts/{attempt_id}")) == drawn
    assert len(_attempts(session, user.id)) == 1


def test_saved_answers_come_back_checked_on_another_device(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    quiz_module(session)
    user = enrolled_trainee(session)
    sign_in(client, user)
    attempt_id = start(client)
    response = post_answers(client, attempt_id, {"1": ["b"], "4": ["a"]})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/quiz/attempts/{attempt_id}")
    page = _page(client, response.headers["Location"])
    assert "Your answers are saved." in page
    assert "2 of 4 questions answered" in page
    [attempt] = _attempts(session, user.id)
    assert attempt.answers == {"1": ["b"], "4": ["a"]} and attempt.submitted_at is None

    other_device = sign_in(app.test_client(), user)
    page = _page(other_device, f"/quiz/attempts/{attempt_id}")
    checked = re.findall(r'name="q-(\w+)" value="(\w+)" id="[^"]+" checked', page)
    assert checked == [("1", "b"), ("4", "a")]
    # Saving again replaces the answers: an unticked choice is gone.
    post_answers(other_device, attempt_id, {"2": ["a"]})
    assert _attempts(session, user.id)[0].answers == {"2": ["a"]}


def test_attempt_form_is_accessible_without_javascript(
    client: FlaskClient, session: Session
) -> None:
    questions = [
        make_question("Pick one", [("A", True), ("B", False)]),
        make_question("Pick several", [("A", True), ("B", True), ("C", False)]),
    ]
    quiz_module(session, make_quiz_data(questions))
    user = enrolled_trainee(session)
    sign_in(client, user)
    page = _page(client, f"/quiz/attempts/{start(client)}")
    assert page.count("<fieldset") == 2 and page.count("<legend") == 2
    assert page.count('type="radio" name="q-1"') == 2
    assert page.count('type="checkbox" name="q-2"') == 3
    for field_id in re.findall(r'<input type="(?:radio|checkbox)" [^>]*id="([^"]+)"', page):
        assert f'<label for="{field_id}"' in page
    # Two plain submit buttons, Save first (what Enter presses), no script needed.
    buttons = re.findall(r'<button type="submit" name="action" value="(\w+)"', page)
    assert buttons == ["save", "submit"]


def test_a_failed_attempt_shows_what_was_wrong_then_a_retry_passes_and_completes_the_module(
    client: FlaskClient, session: Session
) -> None:
    questions = [
        make_question(
            "A woman says her employer keeps her passport. What is this?",
            [
                ("Debt bondage", False, "Debt bondage is about a debt that cannot be repaid."),
                ("Retention of identity documents", True),
                ("Normal employment practice", False),
            ],
            feedback="Withholding identity documents is an ILO indicator of forced labour.",
        ),
        make_question("Is consent relevant for a child?", [("True", False), ("False", True)]),
    ]
    quiz_module(session, make_quiz_data(questions, pass_mark=80))
    user = enrolled_trainee(session)
    open_all_lessons(session, user)
    sign_in(client, user)

    first = start(client)
    response = post_answers(client, first, {"1": ["a"], "2": ["b"]}, action="submit")
    assert response.headers["Location"].endswith(f"/quiz/attempts/{first}/result")
    result = _page(client, f"/quiz/attempts/{first}/result")
    assert "Your score: 50%" in result and "Not passed" in result
    assert "The pass mark is 80%." in result
    assert "Debt bondage is about a debt that cannot be repaid." in result  # chosen option
    assert "Withholding identity documents is an ILO indicator" in result  # question feedback
    review = result[result.index("Question 1 of 2") :]
    right = review[: review.index("Question 2 of 2")]
    assert re.search(r'class="is-correct">\s*<span class="option-text">Retention', right)
    assert re.search(r'class=" is-chosen">\s*<span class="option-text">Debt bondage', right)
    assert "Correct answer" in right and "Your choice" in right and "Wrong" in right
    assert "Try again" in result
    assert _page(client, f"/modules/{MODULE}").count("Completed on") == 0

    second = start(client)
    assert second != first
    post_answers(client, second, {"1": ["b"], "2": ["b"]}, action="submit")
    result = _page(client, f"/quiz/attempts/{second}/result")
    assert "Your score: 100%" in result and "Passed" in result and "Not passed" not in result

    session.expire_all()
    completion = session.scalars(select(Completion).where(Completion.user_id == user.id)).one()
    assert completion.score == 100 and completion.language == "en"
    with client.application.test_request_context(), force_locale("en"):
        date = format_date(completion.completed_at)
    expected = f"Completed on {date}, score 100%"
    assert expected in result
    for url in (f"/modules/{MODULE}", "/modules", "/my-learning", QUIZ_URL):
        assert expected in _page(client, url), url
    # Passed: no further attempt is offered or accepted.
    quiz_page = _page(client, QUIZ_URL)
    assert "You passed this quiz with a score of 100%." in quiz_page
    client.post(f"{QUIZ_URL}/start")
    assert "You have already passed this quiz." in _page(client, QUIZ_URL)
    assert len(_attempts(session, user.id)) == 2


def test_max_attempts_is_enforced_with_the_number_used(
    client: FlaskClient, session: Session
) -> None:
    quiz_module(session, make_quiz_data(max_attempts=2))
    user = enrolled_trainee(session)
    sign_in(client, user)
    for _ in range(2):
        post_answers(client, start(client), HALF, action="submit")
    response = client.post(f"{QUIZ_URL}/start")
    assert response.headers["Location"].endswith(QUIZ_URL)
    page = _page(client, QUIZ_URL)
    assert "You have used all 2 attempts allowed for this quiz." in page
    assert "You have used 2 of 2 attempts." in page
    assert "/quiz/start" not in page.split("Your attempts")[0].split("How this quiz works")[1]
    assert len(_attempts(session, user.id)) == 2


def test_retry_waits_after_a_failed_attempt_and_says_when_in_the_trainees_locale(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    quiz_module(session, make_quiz_data(retry_after_minutes=30))
    user = enrolled_trainee(session, preferred_language="ko")
    sign_in(client, user)
    post_answers(client, start(client), HALF, action="submit")
    [failed] = _attempts(session, user.id)
    assert failed.submitted_at is not None
    available_at = failed.submitted_at + timedelta(minutes=30)

    response = client.post(f"{QUIZ_URL}/start")
    assert response.headers["Location"].endswith(QUIZ_URL)
    page = _page(client, QUIZ_URL)
    with app.test_request_context(), force_locale("ko"):
        korean_time = format_datetime(available_at)
    with app.test_request_context(), force_locale("en"):
        english_time = format_datetime(available_at)
    assert korean_time in page and korean_time != english_time
    assert len(_attempts(session, user.id)) == 1

    # Once the wait is over, the next attempt starts.
    failed.submitted_at = utcnow() - timedelta(minutes=31)
    session.flush()
    assert start(client) != failed.id


def test_no_wait_after_a_passed_attempt_and_the_quiz_page_lists_the_history(
    client: FlaskClient, session: Session
) -> None:
    quiz_module(session, make_quiz_data(retry_after_minutes=30, max_attempts=3))
    user = enrolled_trainee(session)
    sign_in(client, user)
    post_answers(client, start(client), {}, action="submit")  # all unanswered: 0
    attempts = _attempts(session, user.id)
    attempts[0].submitted_at = utcnow() - timedelta(hours=1)
    session.flush()
    post_answers(client, start(client), HALF, action="submit")
    attempts = _attempts(session, user.id)
    attempts[1].submitted_at = utcnow() - timedelta(hours=1)
    session.flush()
    third = start(client)
    page = _page(client, QUIZ_URL)
    rows = page[page.index("<tbody>") : page.index("</tbody>")].split("<tr>")[1:]
    assert len(rows) == 3
    assert "In progress" in rows[0] and f"/quiz/attempts/{third}" in rows[0]
    assert "50%" in rows[1] and "Not passed" in rows[1]
    assert "0%" in rows[2] and "Not passed" in rows[2]
    assert "You have used 3 of 3 attempts." in page
    assert "Resume the attempt" in page


def test_grading_uses_the_version_the_attempt_started_with(
    client: FlaskClient, session: Session
) -> None:
    old = make_quiz_data([make_question("Q?", [("x", True), ("y", False)])])
    new = make_quiz_data([make_question("Q?", [("x", False), ("y", True)])])
    quiz_module(session, old, version=1)
    user = enrolled_trainee(session)
    sign_in(client, user)
    attempt_id = start(client)
    quiz_module(session, new, version=2)  # a new version is imported mid-attempt
    # The quiz page resumes the version 1 attempt rather than starting on version 2.
    assert start(client) == attempt_id
    post_answers(client, attempt_id, {"1": ["a"]}, action="submit")
    [attempt] = _attempts(session, user.id)
    assert attempt.score == 100 and attempt.passed
    assert attempt.module_version.version == 1


def test_attempts_count_across_languages_of_one_version(
    client: FlaskClient, session: Session
) -> None:
    quiz_module(session, make_quiz_data(max_attempts=2))
    quiz_module(session, make_quiz_data(max_attempts=2), language="ko")
    user = enrolled_trainee(session)
    sign_in(client, user)
    post_answers(client, start(client), HALF, action="submit")  # English
    user.preferred_language = "ko"
    session.flush()
    post_answers(client, start(client), HALF, action="submit")  # Korean
    client.post(f"{QUIZ_URL}/start")
    assert len(_attempts(session, user.id)) == 2
    assert [a.module_version.language for a in _attempts(session, user.id)] == ["en", "ko"]


def test_questions_are_shown_in_the_module_language_with_a_lang_attribute(
    client: FlaskClient, session: Session
) -> None:
    quiz_module(session)  # English only
    user = enrolled_trainee(session, preferred_language="zh")
    sign_in(client, user)
    page = _page(client, f"/quiz/attempts/{start(client)}")
    assert '<html lang="zh-Hans">' in page
    assert re.search(r'<div class="question-text" id="q1-text" lang="en">', page)
    assert re.search(r'<label for="q1-a" lang="en">Q1 option A</label>', page)


def test_quiz_page_of_a_module_without_quiz_or_unknown_module_is_404(
    client: FlaskClient, session: Session
) -> None:
    make_module_version(session, "no-quiz")
    user = enrolled_trainee(session, module_id="no-quiz")
    sign_in(client, user)
    assert client.get("/modules/no-quiz/quiz").status_code == 404
    assert client.post("/modules/no-quiz/quiz/start").status_code == 404
    assert client.get("/modules/nothing-here/quiz").status_code == 404
    assert client.get("/quiz/attempts/999999").status_code == 404
    assert session.scalar(select(func.count(QuizAttempt.id))) == 0


def test_module_page_and_last_lesson_lead_to_the_quiz(
    client: FlaskClient, session: Session
) -> None:
    quiz_module(session)
    user = enrolled_trainee(session)
    sign_in(client, user)
    assert f'href="{QUIZ_URL}"' in _page(client, f"/modules/{MODULE}")
    assert f'href="{QUIZ_URL}"' in _page(client, f"/modules/{MODULE}/lessons/02-indicators")
    assert f'href="{QUIZ_URL}"' not in _page(client, f"/modules/{MODULE}/lessons/01-who")
    make_module_version(session, "no-quiz", lessons=[("01-only", "Only")])
    enrolled = enrolled_trainee(session, module_id="no-quiz")
    sign_in(client, enrolled)
    assert "/quiz" not in _page(client, "/modules/no-quiz")
    assert "/quiz" not in _page(client, "/modules/no-quiz/lessons/01-only")
