"""Quiz attempts: start (draw once), save answers, submit (grade once), and module completion.

Attempt limits count every attempt at one version number of a module, in any language, so
switching language does not give a trainee fresh attempts; a new version of the module does.
Saving and submitting are single ``UPDATE ... WHERE submitted_at IS NULL`` statements, so a
double submit, or two tabs submitting at once, grade and record the attempt exactly once.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.content.models import Lesson, ModuleVersion
from lms.courses.models import LessonProgress
from lms.courses.services import get_enrolment
from lms.db import utcnow
from lms.quiz.grading import draw_layout, grade, questions_by_id
from lms.quiz.models import Completion, QuizAttempt
from lms.quiz.signals import module_completed


class QuizError(Exception):
    """Base of the quiz feature's domain errors."""


class NoQuiz(QuizError):
    """The module version has no quiz."""


class NotEnrolled(QuizError):
    """Only trainees enrolled in the module can start its quiz."""


class AlreadyPassed(QuizError):
    """The trainee has passed this version's quiz; there is nothing left to attempt."""


class AttemptLimitReached(QuizError):
    """Every allowed attempt has been used."""

    def __init__(self, used: int, allowed: int) -> None:
        super().__init__(f"{used} of {allowed} attempts used")
        self.used = used
        self.allowed = allowed


class RetryNotYet(QuizError):
    """After a failed attempt the quiz asks for a wait before the next one."""

    def __init__(self, available_at: datetime) -> None:
        super().__init__(f"next attempt possible at {available_at.isoformat()}")
        self.available_at = available_at


class AttemptAlreadySubmitted(QuizError):
    """The attempt was submitted before (another tab, a double click): nothing was changed."""

    def __init__(self, attempt: QuizAttempt) -> None:
        super().__init__(f"attempt {attempt.id} is already submitted")
        self.attempt = attempt


class InvalidAnswer(QuizError, ValueError):
    """Posted answers that the attempt cannot contain (a forged or stale form)."""

    def __init__(
        self,
        problem: Literal["question", "option", "several"],
        question_id: str,
        option_id: str | None = None,
    ) -> None:
        super().__init__(f"{problem}: question {question_id!r}, option {option_id!r}")
        self.problem = problem
        self.question_id = question_id
        self.option_id = option_id


# ---- reading -------------------------------------------------------------------------------


def get_attempt(session: Session, attempt_id: int) -> QuizAttempt | None:
    """The attempt with this id, or None."""
    return session.get(QuizAttempt, attempt_id)


def quiz_of(version: ModuleVersion) -> dict[str, Any] | None:
    """The parsed quiz (``lms.content.quizdata.QuizData``) of a module version, or None."""
    data = version.quiz_data
    return data if data and data.get("questions") else None


def _same_version_ids(module_id: str, version: int) -> Any:
    """The ids of a module version number in every language (a subquery)."""
    return (
        select(ModuleVersion.id)
        .where(ModuleVersion.module_id == module_id, ModuleVersion.version == version)
        .scalar_subquery()
    )


def open_attempt(session: Session, user_id: int, module_id: str) -> QuizAttempt | None:
    """The trainee's unsubmitted attempt at any version of the module, or None."""
    return session.scalars(
        select(QuizAttempt)
        .join(ModuleVersion, QuizAttempt.module_version_id == ModuleVersion.id)
        .where(
            QuizAttempt.user_id == user_id,
            ModuleVersion.module_id == module_id,
            QuizAttempt.submitted_at.is_(None),
        )
        .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc())
    ).first()


@dataclass(frozen=True)
class HistoryEntry:
    """One attempt as the trainee's attempt history lists it."""

    attempt: QuizAttempt
    version: int
    language: str


def attempt_history(session: Session, user_id: int, module_id: str) -> list[HistoryEntry]:
    """Every attempt of the trainee at the module (all versions and languages), newest first."""
    rows = session.execute(
        select(QuizAttempt, ModuleVersion.version, ModuleVersion.language)
        .join(ModuleVersion, QuizAttempt.module_version_id == ModuleVersion.id)
        .where(QuizAttempt.user_id == user_id, ModuleVersion.module_id == module_id)
        .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc())
    )
    return [HistoryEntry(attempt, version, language) for attempt, version, language in rows]


@dataclass(frozen=True)
class QuizStatus:
    """Where a trainee stands with one version of a module's quiz."""

    used: int  # attempts started at this version number, in any language
    max_attempts: int | None
    open_attempt: QuizAttempt | None
    passed_attempt: QuizAttempt | None
    available_at: datetime | None  # when a wait after a failed attempt ends, if still running

    @property
    def remaining(self) -> int | None:
        return None if self.max_attempts is None else max(0, self.max_attempts - self.used)

    @property
    def can_start(self) -> bool:
        """A new attempt may be started now (an open one is resumed instead)."""
        return (
            self.open_attempt is None
            and self.passed_attempt is None
            and (self.remaining is None or self.remaining > 0)
            and self.available_at is None
        )


def quiz_status(
    session: Session, user_id: int, version: ModuleVersion, now: datetime | None = None
) -> QuizStatus:
    """The trainee's attempts used, open and passed attempt, and any wait before the next."""
    quiz = quiz_of(version)
    if quiz is None:
        raise NoQuiz(version.id)
    now = now or utcnow()
    attempts = list(
        session.scalars(
            select(QuizAttempt)
            .where(
                QuizAttempt.user_id == user_id,
                QuizAttempt.module_version_id.in_(
                    _same_version_ids(version.module_id, version.version)
                ),
            )
            .order_by(QuizAttempt.started_at, QuizAttempt.id)
        )
    )
    submitted = [a for a in attempts if a.submitted_at is not None]
    available_at = None
    wait = quiz.get("retry_after_minutes")
    if wait and submitted and not submitted[-1].passed:
        last_submitted_at = submitted[-1].submitted_at
        assert last_submitted_at is not None
        candidate = last_submitted_at + timedelta(minutes=int(wait))
        available_at = candidate if candidate > now else None
    return QuizStatus(
        used=len(attempts),
        max_attempts=quiz.get("max_attempts"),
        open_attempt=next((a for a in attempts if a.submitted_at is None), None),
        passed_attempt=next((a for a in submitted if a.passed), None),
        available_at=available_at,
    )


# ---- starting, saving, submitting -----------------------------------------------------------


def start_attempt(
    session: Session,
    user_id: int,
    version: ModuleVersion,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> QuizAttempt:
    """Start an attempt at ``version``'s quiz, drawing and shuffling its questions once.

    An unsubmitted attempt at the module (any version) is returned instead of a new one.
    Raises NoQuiz, NotEnrolled, AlreadyPassed, AttemptLimitReached, RetryNotYet.
    """
    quiz = quiz_of(version)
    if quiz is None:
        raise NoQuiz(version.id)
    if get_enrolment(session, user_id, version.module_id) is None:
        raise NotEnrolled(version.module_id)
    existing = open_attempt(session, user_id, version.module_id)
    if existing is not None:
        return existing
    now = now or utcnow()
    status = quiz_status(session, user_id, version, now)
    if status.passed_attempt is not None:
        raise AlreadyPassed(version.id)
    if status.remaining == 0:
        assert status.max_attempts is not None
        raise AttemptLimitReached(status.used, status.max_attempts)
    if status.available_at is not None:
        raise RetryNotYet(status.available_at)
    attempt = QuizAttempt(
        user_id=user_id,
        module_version_id=version.id,
        number=status.used + 1,
        layout=draw_layout(quiz, rng or secrets.SystemRandom()),
        answers={},
        started_at=now,
    )
    try:
        # Two starts at once (a double click) race for the same number: the loser resumes the
        # winner's attempt, and the SAVEPOINT keeps the outer transaction usable.
        with session.begin_nested():
            session.add(attempt)
    except IntegrityError:
        winner = open_attempt(session, user_id, version.module_id)
        if winner is None:
            raise
        return winner
    return attempt


def check_answers(
    attempt: QuizAttempt, posted: Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    """Posted answers ({question id: option ids}) as stored, checked against the attempt's layout.

    Raises InvalidAnswer for a question or option that is not in the attempt, or for several
    options on a question that takes one.
    """
    layout = {item["id"]: item["options"] for item in attempt.layout}
    questions = questions_by_id(attempt.module_version.quiz_data or {"questions": []})
    checked: dict[str, list[str]] = {}
    for question_id, option_ids in posted.items():
        if question_id not in layout:
            raise InvalidAnswer("question", question_id)
        chosen: list[str] = []
        for option_id in option_ids:
            if option_id not in layout[question_id]:
                raise InvalidAnswer("option", question_id, option_id)
            if option_id not in chosen:
                chosen.append(option_id)
        if len(chosen) > 1 and questions[question_id]["kind"] != "multiple":
            raise InvalidAnswer("several", question_id)
        if chosen:
            # Stored in display order, so the form shows them back exactly as chosen.
            checked[question_id] = [o for o in layout[question_id] if o in chosen]
    return checked


def _update_open_attempt(session: Session, attempt: QuizAttempt, **values: Any) -> bool:
    """Apply ``values`` only while the attempt is unsubmitted; True when this call did it."""
    result = cast(
        CursorResult[Any],
        session.execute(
            update(QuizAttempt)
            .where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
            .values(**values)
            .execution_options(synchronize_session=False)
        ),
    )
    session.refresh(attempt)
    return result.rowcount == 1


def save_answers(
    session: Session, attempt: QuizAttempt, posted: Mapping[str, Sequence[str]]
) -> QuizAttempt:
    """Replace the attempt's saved answers. Raises AttemptAlreadySubmitted, InvalidAnswer."""
    if attempt.submitted_at is not None:
        raise AttemptAlreadySubmitted(attempt)
    answers = check_answers(attempt, posted)
    if not _update_open_attempt(session, attempt, answers=answers):
        raise AttemptAlreadySubmitted(attempt)
    return attempt


def submit_attempt(
    session: Session,
    attempt: QuizAttempt,
    posted: Mapping[str, Sequence[str]],
    now: datetime | None = None,
) -> QuizAttempt:
    """Save the final answers, grade on the server and record the result, exactly once.

    Grading uses the quiz of the version the attempt started with. A passed attempt may
    complete the module (see :func:`evaluate_completion`).
    Raises AttemptAlreadySubmitted, InvalidAnswer.
    """
    if attempt.submitted_at is not None:
        raise AttemptAlreadySubmitted(attempt)
    answers = check_answers(attempt, posted)
    quiz = attempt.module_version.quiz_data
    if quiz is None:  # versions are never changed after import; this would be a broken row
        raise NoQuiz(attempt.module_version_id)
    result = grade(quiz, attempt.layout, answers)
    recorded = _update_open_attempt(
        session,
        attempt,
        answers=answers,
        submitted_at=now or utcnow(),
        score=float(result.score),
        passed=result.passed,
        results=result.results,
    )
    if not recorded:
        raise AttemptAlreadySubmitted(attempt)
    if result.passed:
        evaluate_completion(session, attempt.user_id, attempt.module_version_id, now=now)
    return attempt


# ---- completion ---------------------------------------------------------------------------


def lessons_not_opened(session: Session, user_id: int, version: ModuleVersion) -> list[Lesson]:
    """The version's lessons the trainee has not opened yet (in any language), in order."""
    opened = set(
        session.scalars(
            select(LessonProgress.lesson_key).where(
                LessonProgress.user_id == user_id, LessonProgress.module_id == version.module_id
            )
        )
    )
    return [lesson for lesson in version.lessons if lesson.key not in opened]


def evaluate_completion(
    session: Session, user_id: int, module_version_id: int, now: datetime | None = None
) -> Completion | None:
    """Record the completion of a module version once it is due, and send ``module_completed``.

    Due when every lesson of the version has been opened (by lesson key, in any language) and,
    when the version has a quiz, an attempt at that version number (any language) was passed.
    Returns the new Completion, or None when it is not due or was recorded before (for this
    version number, in any language).
    """
    version = session.get(ModuleVersion, module_version_id)
    if version is None:
        return None
    done_before = session.scalar(
        select(func.count(Completion.id)).where(
            Completion.user_id == user_id,
            Completion.module_version_id.in_(_same_version_ids(version.module_id, version.version)),
        )
    )
    if done_before:
        return None
    if not version.lessons or lessons_not_opened(session, user_id, version):
        return None
    passing: QuizAttempt | None = None
    if quiz_of(version) is not None:
        passing = session.scalars(
            select(QuizAttempt)
            .where(
                QuizAttempt.user_id == user_id,
                QuizAttempt.module_version_id.in_(
                    _same_version_ids(version.module_id, version.version)
                ),
                QuizAttempt.passed.is_(True),
            )
            .order_by(QuizAttempt.submitted_at, QuizAttempt.id)
        ).first()
        if passing is None:
            return None
    completion = Completion(
        user_id=user_id,
        module_id=version.module_id,
        module_version_id=version.id,
        language=version.language,
        completed_at=now or utcnow(),
        score=passing.score if passing else None,
        attempt_id=passing.id if passing else None,
    )
    try:
        # A concurrent request may record the same completion: the unique constraint decides,
        # and the SAVEPOINT keeps this transaction usable when it lost.
        with session.begin_nested():
            session.add(completion)
    except IntegrityError:
        recorded = session.scalar(
            select(Completion.id).where(
                Completion.user_id == user_id, Completion.module_version_id == version.id
            )
        )
        if recorded is None:
            raise
        return None
    module_completed.send(None, session=session, completion=completion)
    return completion


@dataclass(frozen=True)
class CompletionSummary:
    """A trainee's latest completion of a module, for module cards and pages."""

    module_id: str
    completed_at: datetime
    score: float | None
    version: int
    language: str


def completions_by_module(session: Session, user_id: int) -> dict[str, CompletionSummary]:
    """The user's latest completion of each module: one query, whatever the number of modules."""
    rows = session.execute(
        select(
            Completion.module_id,
            Completion.completed_at,
            Completion.score,
            ModuleVersion.version,
            Completion.language,
        )
        .join(ModuleVersion, Completion.module_version_id == ModuleVersion.id)
        .where(Completion.user_id == user_id)
        .order_by(ModuleVersion.version, Completion.completed_at)
    )
    latest: dict[str, CompletionSummary] = {}
    for module_id, completed_at, score, version, language in rows:
        latest[module_id] = CompletionSummary(module_id, completed_at, score, version, language)
    return latest
