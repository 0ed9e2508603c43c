"""What the attempt form and the result page show, built from an attempt's layout.

The form gets :class:`FormQuestion` objects, which have no field for correctness or feedback:
a template cannot leak what it is never given. Only :func:`review_questions`, for a submitted
attempt, carries the correct options and the feedback.
"""

from __future__ import annotations

from dataclasses import dataclass

from lms.quiz.grading import questions_by_id
from lms.quiz.models import QuizAttempt


@dataclass(frozen=True)
class FormOption:
    id: str
    html: str
    is_chosen: bool


@dataclass(frozen=True)
class FormQuestion:
    """A question of an open attempt, as the form shows it: no answers, no feedback."""

    number: int  # 1-based place in this attempt
    id: str
    is_multiple: bool  # checkboxes rather than radio buttons
    html: str
    options: tuple[FormOption, ...]

    @property
    def is_answered(self) -> bool:
        return any(option.is_chosen for option in self.options)


@dataclass(frozen=True)
class ReviewOption:
    id: str
    html: str
    is_correct: bool
    is_chosen: bool
    feedback_html: str


@dataclass(frozen=True)
class ReviewQuestion:
    """A question of a submitted attempt with the trainee's choices, the key and feedback."""

    number: int
    id: str
    is_multiple: bool
    html: str
    feedback_html: str
    credit: float  # 0..1
    options: tuple[ReviewOption, ...]

    @property
    def is_answered(self) -> bool:
        return any(option.is_chosen for option in self.options)

    @property
    def is_correct(self) -> bool:
        return self.credit >= 1

    @property
    def chosen_feedback(self) -> list[ReviewOption]:
        """The chosen options that carry feedback, in display order."""
        return [option for option in self.options if option.is_chosen and option.feedback_html]


def form_questions(attempt: QuizAttempt) -> list[FormQuestion]:
    """The attempt's questions in its drawn order, with the answers saved so far."""
    questions = questions_by_id(attempt.module_version.quiz_data or {"questions": []})
    shown = []
    for number, item in enumerate(attempt.layout, start=1):
        question = questions[item["id"]]
        options = {option["id"]: option for option in question["options"]}
        chosen = set(attempt.answers.get(item["id"], ()))
        shown.append(
            FormQuestion(
                number=number,
                id=item["id"],
                is_multiple=question["kind"] == "multiple",
                html=question["html"],
                options=tuple(
                    FormOption(id=oid, html=options[oid]["html"], is_chosen=oid in chosen)
                    for oid in item["options"]
                ),
            )
        )
    return shown


def review_questions(attempt: QuizAttempt) -> list[ReviewQuestion]:
    """A submitted attempt's questions with choices, correct options, credit and feedback."""
    if attempt.submitted_at is None:
        raise ValueError(f"attempt {attempt.id} is not submitted: its key stays hidden")
    questions = questions_by_id(attempt.module_version.quiz_data or {"questions": []})
    results = attempt.results or {}
    reviewed = []
    for number, item in enumerate(attempt.layout, start=1):
        question = questions[item["id"]]
        options = {option["id"]: option for option in question["options"]}
        result = results.get(item["id"], {})
        chosen = set(result.get("chosen", ()))
        reviewed.append(
            ReviewQuestion(
                number=number,
                id=item["id"],
                is_multiple=question["kind"] == "multiple",
                html=question["html"],
                feedback_html=question.get("feedback_html", ""),
                credit=float(result.get("credit", 0.0)),
                options=tuple(
                    ReviewOption(
                        id=oid,
                        html=options[oid]["html"],
                        is_correct=bool(options[oid]["correct"]),
                        is_chosen=oid in chosen,
                        feedback_html=options[oid].get("feedback_html", ""),
                    )
                    for oid in item["options"]
                ),
            )
        )
    return reviewed
