"""Plain factory functions for tests: ``make_user(session, **overrides)`` and friends."""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

from sqlalchemy.orm import Session

from lms.auth.models import Role, User
from lms.content.models import Lesson, Module, ModuleVersion
from lms.quiz.models import Completion

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def make_user(session: Session, **overrides: Any) -> User:
    n = next(_seq)
    password = overrides.pop("password", PASSWORD)
    fields: dict[str, Any] = {
        "email": f"user{n}@example.org",
        "name": f"Test User {n}",
        "role": Role.trainee,
        "preferred_language": "en",
    }
    fields.update(overrides)
    user = User(**fields)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def make_module_version(
    session: Session,
    module_id: str = "trafficking-basics",
    language: str = "en",
    version: int = 1,
    lessons: list[tuple[str, str]] | None = None,
    **overrides: Any,
) -> ModuleVersion:
    """A stored module version; ``lessons`` are (key, title) pairs with generated HTML."""
    module = session.get(Module, module_id)
    if module is None:
        module = Module(id=module_id)
        session.add(module)
    lessons = (
        lessons if lessons is not None else [("01-intro", "Introduction"), ("02-more", "More")]
    )
    fields: dict[str, Any] = {
        "title": f"{module_id} ({language})",
        "summary": "A summary.",
        "duration_minutes": 60,
        "pass_mark": 80,
        "objectives": [],
        "prerequisites": [],
        "overview_source": "Overview.",
        "overview_html": "<p>Overview.</p>",
        "source_version": None if language == "en" else version,
    }
    fields.update(overrides)
    mv = ModuleVersion(
        module_id=module_id,
        language=language,
        version=version,
        content_hash=hashlib.sha256(f"{module_id}{language}{version}".encode()).hexdigest(),
        **fields,
    )
    for position, (key, title) in enumerate(lessons, start=1):
        mv.lessons.append(
            Lesson(
                position=position,
                key=key,
                title=title,
                source=f"# {title}\\n",
                html=f"<h1>{title}</h1><p>Text of {key}.</p>",
            )
        )
    session.add(mv)
    session.flush()
    return mv


QuizOption = tuple[str, bool] | tuple[str, bool, str]  # (text, correct[, feedback])


def make_question(
    text: str,
    options: list[QuizOption],
    feedback: str | None = None,
    kind: str | None = None,
) -> dict[str, Any]:
    """One question of a parsed quiz (``lms.content.quizdata.QuestionData``) without ids yet.

    ``kind`` is inferred as the parser does: several correct options make ``multiple``; options
    "True" and "False" make ``true_false``; else ``single``.
    """
    if kind is None:
        if sum(1 for option in options if option[1]) > 1:
            kind = "multiple"
        elif [option[0] for option in options] == ["True", "False"]:
            kind = "true_false"
        else:
            kind = "single"
    question: dict[str, Any] = {
        "kind": kind,
        "html": f"<p>{text}</p>",
        "options": [],
        "line": 1,
    }
    for option in options:
        entry: dict[str, Any] = {"html": option[0], "correct": option[1]}
        if len(option) == 3:
            entry["feedback_html"] = f"<p>{option[2]}</p>"
        question["options"].append(entry)
    if feedback is not None:
        question["feedback_html"] = f"<p>{feedback}</p>"
    return question


def make_quiz_data(
    questions: list[dict[str, Any]] | None = None,
    *,
    draw: int | None = None,
    shuffle: bool = False,
    partial_credit: bool = False,
    pass_mark: int = 80,
    max_attempts: int | None = None,
    retry_after_minutes: int | None = None,
) -> dict[str, Any]:
    """A parsed quiz (``lms.content.quizdata.QuizData``) with positional ids "1".. and "a"..

    Attach it with ``make_module_version(session, ..., quiz_data=make_quiz_data(...))``.
    Default questions: three single choice (the second option right) and one true/false (True).
    """
    if questions is None:
        questions = [
            make_question(f"Question {n}?", [(f"Q{n} option A", False), (f"Q{n} option B", True)])
            for n in (1, 2, 3)
        ]
        questions.append(make_question("Question 4?", [("True", True), ("False", False)]))
    numbered = []
    for n, question in enumerate(questions, start=1):
        options = [
            {**option, "id": chr(ord("a") + index)}
            for index, option in enumerate(question["options"])
        ]
        numbered.append({**question, "id": str(n), "options": options, "line": 4 * n})
    return {
        "draw": draw,
        "shuffle": shuffle,
        "partial_credit": partial_credit,
        "pass_mark": pass_mark,
        "max_attempts": max_attempts,
        "retry_after_minutes": retry_after_minutes,
        "questions": numbered,
    }


# Coordination ---------------------------------------------------------------------------------


def make_organisation(session: Session, **overrides: Any) -> Any:
    """An organisation (a shelter in Korea unless told otherwise)."""
    from lms.coordination.models import Organisation, OrganisationKind

    n = next(_seq)
    fields: dict[str, Any] = {
        "name": f"Organisation {n}",
        "country": "KR",
        "kind": OrganisationKind.shelter,
    }
    fields.update(overrides)
    fields.setdefault("name_key", " ".join(fields["name"].split()).casefold())
    organisation = Organisation(**fields)
    session.add(organisation)
    session.flush()
    return organisation


def make_coordinator(
    session: Session, organisations: tuple[Any, ...] = (), **overrides: Any
) -> User:
    """A coordinator who manages ``organisations``."""
    from lms.coordination.models import CoordinatorOrganisation

    user = make_user(session, role=Role.coordinator, **overrides)
    for organisation in organisations:
        session.add(CoordinatorOrganisation(user_id=user.id, organisation_id=organisation.id))
    session.flush()
    return user


def make_member(session: Session, organisation: Any, **overrides: Any) -> User:
    """A trainee who belongs to ``organisation``."""
    from lms.coordination.models import OrganisationMember

    user = make_user(session, **overrides)
    session.add(OrganisationMember(organisation_id=organisation.id, user_id=user.id))
    session.flush()
    return user


def make_cohort(session: Session, organisations: tuple[Any, ...], **overrides: Any) -> Any:
    """A cohort of ``organisations``, in March 2025, in Busan unless told otherwise."""
    from datetime import date

    from lms.coordination.models import Cohort, CohortOrganisation

    n = next(_seq)
    fields: dict[str, Any] = {
        "name": f"Cohort {n}",
        "starts_on": date(2025, 3, 3),
        "ends_on": date(2025, 3, 7),
        "place": "Busan",
    }
    fields.update(overrides)
    cohort = Cohort(**fields)
    for organisation in organisations:
        cohort.cohort_organisations.append(CohortOrganisation(organisation_id=organisation.id))
    session.add(cohort)
    session.flush()
    return cohort


def make_completion(
    session: Session, user: User, module_version: ModuleVersion, **overrides: Any
) -> Completion:
    """A recorded completion of ``module_version`` by ``user`` (no signal is sent)."""
    fields: dict[str, Any] = {
        "user_id": user.id,
        "module_id": module_version.module_id,
        "module_version_id": module_version.id,
        "language": module_version.language,
        "score": 90.0,
    }
    fields.update(overrides)
    completion = Completion(**fields)
    session.add(completion)
    session.flush()
    return completion


def make_coordinator_of(session: Session, *members: User, **overrides: Any) -> User:
    """A coordinator of a new organisation whose members are ``members``."""
    from lms.coordination.models import OrganisationMember

    organisation = make_organisation(session)
    for member in members:
        session.add(OrganisationMember(organisation_id=organisation.id, user_id=member.id))
    session.flush()
    return make_coordinator(session, (organisation,), **overrides)
