"""Integrity of attempts: no answer key before submission, one grading per attempt, and
nothing saved from forged or stale forms."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from lms.auth.models import User
from lms.content.models import Module
from lms.courses.models import Enrolment
from lms.quiz import services
from lms.quiz.models import Completion, QuizAttempt
from lms.quiz.signals import module_completed
from tests.conftest import sign_in
from tests.factories import make_module_version, make_question, make_quiz_data, make_user
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

# Feedback whose words (4 letters or more) the interface never uses; words that the question
# and option texts show anyway are left out of the scan (see _secrets).
QUESTION_FEEDBACK = "Withholding passports signals coercion under ILO guidance."
OPTION_FEEDBACK = {
    ("1", "a"): "Bondage implies unpayable indebtedness.",
    ("1", "c"): "Employers seldom legitimately confiscate documents.",
    ("2", "b"): "Borders matter little; exploitation decides.",
    ("3", "a"): "Minors lack capacity; agreement is meaningless.",
}


def _leaky_quiz(flip: bool = False) -> dict[str, Any]:
    """A quiz whose key and feedback must stay hidden; ``flip`` moves every correct flag."""

    def options(texts: list[str], correct: set[int], qid: str) -> list[Any]:
        result: list[Any] = []
        for index, text in enumerate(texts):
            is_correct = (index in correct) != flip
            feedback = OPTION_FEEDBACK.get((qid, chr(ord("a") + index)))
            result.append((text, is_correct, feedback) if feedback else (text, is_correct))
        return result

    questions = [
        make_question(
            "A woman at the shelter says her employer holds her passport. What is this?",
            options(["Debt bondage", "Retention of identity papers", "Usual practice"], {1}, "1"),
            feedback=QUESTION_FEEDBACK,
            kind="single",
        ),
        make_question(
            "Which are elements of the legal definition? (select all)",
            options(["An act", "Crossing a border", "A means", "A purpose"], {0, 2, 3}, "2"),
            kind="multiple",
        ),
        make_question(
            "Consent of a child changes nothing.",
            options(["True", "False"], {0}, "3"),
            kind="true_false",
        ),
    ]
    return make_quiz_data(questions, shuffle=False, max_attempts=3)


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]+", re.sub(r"<[^>]+>", " ", text))}


def _secrets() -> list[str]:
    """Each word (4 letters or more) of every feedback text that the questions and options do
    not show anyway, and the word that would mark a correct option."""
    quiz = _leaky_quiz()
    shown: set[str] = set()
    for question in quiz["questions"]:
        shown |= _words(question["html"])
        for option in question["options"]:
            shown |= _words(option["html"])
    words: set[str] = set()
    for text in [QUESTION_FEEDBACK, *OPTION_FEEDBACK.values()]:
        words |= {w for w in _words(text) if len(w) >= 4}
    secrets = words - shown
    assert len(secrets) >= 15  # the check keeps its teeth
    return sorted(secrets | {"correct"})


def _scan(responses: list[tuple[str, TestResponse]]) -> None:
    for where, response in responses:
        text = response.get_data(as_text=True) + " ".join(
            f"{name}: {value}" for name, value in response.headers.items()
        )
        for secret in _secrets():
            match = re.search(rf"\b{re.escape(secret)}\b", text, re.IGNORECASE)
            assert match is None, f"{secret!r} leaked by {where}"


def test_no_page_or_response_of_an_open_attempt_reveals_the_key_or_feedback(
    client: FlaskClient, session: Session
) -> None:
    quiz_module(session, _leaky_quiz())
    user = enrolled_trainee(session)
    open_all_lessons(session, user)
    sign_in(client, user)
    seen: list[tuple[str, TestResponse]] = []

    def get(url: str) -> TestResponse:
        response = client.get(url)
        seen.append((f"GET {url}", response))
        return response

    def post(label: str, response: TestResponse) -> TestResponse:
        seen.append((label, response))
        location = response.headers.get("Location")
        if location:  # follow every redirect, as a browser does
            get(location)
        return response

    get(f"/modules/{MODULE}")
    get(f"/modules/{MODULE}/quiz")
    post("POST start", client.post(f"/modules/{MODULE}/quiz/start"))
    [attempt] = session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user.id))
    form = f"/quiz/attempts/{attempt.id}"
    get(form)
    post("POST save", post_answers(client, attempt.id, {"1": ["a"], "2": ["a", "b"]}))
    post("POST save none", post_answers(client, attempt.id, {}))
    post("POST forged option", post_answers(client, attempt.id, {"1": ["z"]}))
    post("POST forged question", post_answers(client, attempt.id, {"9": ["a"]}))
    post("POST two on single", post_answers(client, attempt.id, {"1": ["a", "b"]}))
    post("POST bad action", post_answers(client, attempt.id, {"1": ["a"]}, action="peek"))
    get(f"{form}/result")
    post("POST resume", client.post(f"/modules/{MODULE}/quiz/start"))
    for url in (
        f"/modules/{MODULE}/quiz",
        "/modules",
        "/my-learning",
        f"/modules/{MODULE}/lessons/{LESSONS[-1][0]}",
    ):
        get(url)
    assert [r.status_code for _w, r in seen].count(400) == 4
    assert all(r.status_code in (200, 302, 400) for _w, r in seen)
    _scan(seen)

    # The scan can fail: once submitted, the same pages do show the key and the feedback.
    post_answers(client, attempt.id, {"1": ["a"]}, action="submit")
    result = client.get(f"{form}/result")
    with pytest.raises(AssertionError, match="leaked"):
        _scan([("result", result)])
    page = result.get_data(as_text=True)
    assert QUESTION_FEEDBACK in page and OPTION_FEEDBACK[("1", "a")] in page


def test_the_attempt_form_is_the_same_whatever_the_correct_options(
    client: FlaskClient, session: Session
) -> None:
    # Two modules with the same questions; every correct flag and all feedback differ. Their
    # forms (same layout, no shuffle) must be identical apart from ids in URLs and names.
    quiz_module(session, _leaky_quiz(flip=False), module_id="key-one")
    flipped = _leaky_quiz(flip=True)
    for question in flipped["questions"]:
        question.pop("feedback_html", None)
        for option in question["options"]:
            option.pop("feedback_html", None)
    quiz_module(session, flipped, module_id="key-two")
    user = enrolled_trainee(session, module_id="key-one")
    session.add(Enrolment(user_id=user.id, module_id="key-two"))
    session.flush()
    sign_in(client, user)
    pages = []
    for module_id in ("key-one", "key-two"):
        attempt_id = start(client, module_id)
        page = client.get(f"/quiz/attempts/{attempt_id}").get_data(as_text=True)
        page = page.replace(module_id, "MODULE").replace(f"/quiz/attempts/{attempt_id}", "/A")
        pages.append(page)
    assert pages[0] == pages[1]


def test_a_double_submit_records_one_graded_attempt(client: FlaskClient, session: Session) -> None:
    quiz_module(session)
    user = enrolled_trainee(session)
    sign_in(client, user)
    attempt_id = start(client)
    first = post_answers(client, attempt_id, HALF, action="submit")
    second = post_answers(client, attempt_id, RIGHT, action="submit")
    assert first.headers["Location"] == second.headers["Location"]
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "This attempt was already submitted on" in page
    assert "Your answers were not changed." in page
    assert "Your score: 50%" in page
    session.expire_all()
    [attempt] = session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user.id))
    assert (attempt.score, attempt.passed, attempt.answers) == (50, False, HALF)


def test_saving_a_submitted_attempt_changes_nothing(client: FlaskClient, session: Session) -> None:
    quiz_module(session)
    user = enrolled_trainee(session)
    sign_in(client, user)
    attempt_id = start(client)
    post_answers(client, attempt_id, HALF, action="submit")
    response = post_answers(client, attempt_id, RIGHT, action="save")
    assert response.headers["Location"].endswith(f"/quiz/attempts/{attempt_id}/result")
    assert "already submitted" in client.get(response.headers["Location"]).get_data(as_text=True)
    # The form itself now shows the result instead.
    assert client.get(f"/quiz/attempts/{attempt_id}").headers["Location"].endswith("/result")
    session.expire_all()
    attempt = session.get(QuizAttempt, attempt_id)
    assert attempt is not None and attempt.answers == HALF and attempt.score == 50


def test_another_users_attempt_is_not_found(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    quiz_module(session)
    owner = enrolled_trainee(session)
    sign_in(client, owner)
    attempt_id = start(client)
    post_answers(client, attempt_id, {"1": ["b"]})
    intruder = sign_in(app.test_client(), enrolled_trainee(session))
    assert intruder.get(f"/quiz/attempts/{attempt_id}").status_code == 404
    assert intruder.get(f"/quiz/attempts/{attempt_id}/result").status_code == 404
    assert post_answers(intruder, attempt_id, RIGHT, action="submit").status_code == 404
    session.expire_all()
    attempt = session.get(QuizAttempt, attempt_id)
    assert attempt is not None and attempt.submitted_at is None and attempt.answers == {"1": ["b"]}


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"1": ["b"], "2": ["z"]}, "Question “2” of this attempt has no option “z”."),
        ({"1": ["b"], "2": [""]}, "Question “2” of this attempt has no option “”."),
        ({"1": ["b"], "99": ["a"]}, "answer to question “99”, which is not part of this attempt"),
        ({"1": ["a", "b"]}, "Question “1” takes one answer, but several were sent."),
    ],
)
@pytest.mark.parametrize("action", ["save", "submit"])
def test_forged_answers_are_refused_with_a_message_and_nothing_is_saved(
    client: FlaskClient,
    session: Session,
    answers: dict[str, list[str]],
    message: str,
    action: str,
) -> None:
    quiz_module(session)
    user = enrolled_trainee(session)
    sign_in(client, user)
    attempt_id = start(client)
    post_answers(client, attempt_id, {"3": ["a"]})
    response = post_answers(client, attempt_id, answers, action=action)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "Nothing was saved." in page
    session.expire_all()
    attempt = session.get(QuizAttempt, attempt_id)
    assert attempt is not None
    assert attempt.answers == {"3": ["a"]} and attempt.submitted_at is None


def test_a_question_not_drawn_in_this_attempt_is_refused(
    client: FlaskClient, session: Session
) -> None:
    questions = [make_question(f"Q{n}?", [("x", True), ("y", False)]) for n in range(1, 7)]
    quiz_module(session, make_quiz_data(questions, draw=2))
    user = enrolled_trainee(session)
    sign_in(client, user)
    attempt_id = start(client)
    session.expire_all()
    attempt = session.get(QuizAttempt, attempt_id)
    assert attempt is not None
    drawn = {item["id"] for item in attempt.layout}
    other = next(str(n) for n in range(1, 7) if str(n) not in drawn)
    response = post_answers(client, attempt_id, {other: ["a"]}, action="submit")
    assert response.status_code == 400
    assert f"question “{other}”, which is not part of this attempt" in response.get_data(
        as_text=True
    )


# ---- real concurrency, on PostgreSQL -----------------------------------------------------------


@pytest.fixture
def committed(engine: Engine) -> Iterator[dict[str, int]]:
    """Committed rows (not the test's rolled-back transaction) that threads can share."""
    if engine.dialect.name != "postgresql":
        pytest.skip("two concurrent transactions are exercised on PostgreSQL")
    module_id = "race-module"
    with Session(engine, expire_on_commit=False) as session:
        version = make_module_version(
            session, module_id, lessons=LESSONS, quiz_data=make_quiz_data()
        )
        user = make_user(session)
        session.add(Enrolment(user_id=user.id, module_id=module_id))
        session.flush()
        open_all_lessons(session, user, module_id)
        attempt = services.start_attempt(session, user.id, version)
        session.commit()
        ids = {"user": user.id, "version": version.id, "attempt": attempt.id}
    try:
        yield ids
    finally:
        with Session(engine) as session:
            session.execute(delete(User).where(User.id == ids["user"]))
            session.execute(delete(Module).where(Module.id == module_id))
            session.commit()


def _run_in_threads(engine: Engine, work: Any, answers: list[dict[str, list[str]]]) -> list[Any]:
    outcomes: list[Any] = [None, None]

    def run(index: int) -> None:
        with Session(engine, expire_on_commit=False) as session:
            try:
                outcomes[index] = work(session, answers[index])
                session.commit()
            except Exception as error:  # noqa: BLE001 - the test inspects what each thread got
                session.rollback()
                outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_two_tabs_submitting_at_once_record_one_graded_attempt(
    engine: Engine, committed: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    barrier = threading.Barrier(2, timeout=10)
    real_grade = services.grade

    def grade_then_wait(*args: Any) -> Any:
        # Both requests have read the attempt as open and graded it before either writes.
        result = real_grade(*args)
        barrier.wait()
        return result

    monkeypatch.setattr(services, "grade", grade_then_wait)
    completed: list[int] = []

    def on_completed(_sender: object, **kwargs: Any) -> None:
        completed.append(kwargs["completion"].id)

    def submit(session: Session, answers: dict[str, list[str]]) -> float | None:
        attempt = session.get(QuizAttempt, committed["attempt"])
        assert attempt is not None
        return services.submit_attempt(session, attempt, answers).score

    with module_completed.connected_to(on_completed):
        outcomes = _run_in_threads(engine, submit, [RIGHT, HALF])

    winners = [o for o in outcomes if isinstance(o, float)]
    losers = [o for o in outcomes if isinstance(o, services.AttemptAlreadySubmitted)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    with Session(engine) as session:
        attempt = session.get(QuizAttempt, committed["attempt"])
        assert attempt is not None and attempt.score == winners[0]
        assert attempt.answers == (RIGHT if winners[0] == 100 else HALF)
        completions = session.scalars(
            select(Completion).where(Completion.user_id == committed["user"])
        ).all()
        assert len(completions) == (1 if winners[0] == 100 else 0)
    assert len(completed) == len(completions)


def test_two_requests_completing_at_once_record_one_completion(
    engine: Engine, committed: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(engine) as session:
        attempt = session.get(QuizAttempt, committed["attempt"])
        assert attempt is not None
        services.submit_attempt(session, attempt, RIGHT)
        session.execute(delete(Completion).where(Completion.user_id == committed["user"]))
        session.commit()

    barrier = threading.Barrier(2, timeout=10)
    real_missing = services.lessons_not_opened

    def missing_then_wait(*args: Any) -> Any:
        # Both requests have found no completion yet before either inserts one.
        result = real_missing(*args)
        barrier.wait()
        return result

    monkeypatch.setattr(services, "lessons_not_opened", missing_then_wait)
    completed: list[int] = []

    def on_completed(_sender: object, **kwargs: Any) -> None:
        completed.append(kwargs["completion"].id)

    def evaluate(session: Session, _answers: Any) -> Completion | None:
        return services.evaluate_completion(session, committed["user"], committed["version"])

    with module_completed.connected_to(on_completed):
        outcomes = _run_in_threads(engine, evaluate, [{}, {}])

    assert sum(isinstance(o, Completion) for o in outcomes) == 1, outcomes
    assert outcomes.count(None) == 1
    assert len(completed) == 1
    with Session(engine) as session:
        rows = session.scalars(
            select(Completion).where(Completion.user_id == committed["user"])
        ).all()
        assert len(rows) == 1 and rows[0].score == 100
