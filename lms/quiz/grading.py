"""Drawing and grading a quiz: pure functions over the parsed quiz (``lms.content.quizdata``).

Nothing here touches the database. The layout is what an attempt stores at start: the drawn
question ids in display order, each with its option ids in display order. Grading reads only the
layout, the saved answers and the quiz of the attempt's own module version.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypedDict

from lms.content.quizdata import QuestionData, QuizData


class LayoutItem(TypedDict):
    id: str  # question id ("1", "2", ... in quiz.md order)
    options: list[str]  # option ids in the order they are shown


Answers = Mapping[str, Sequence[str]]


def questions_by_id(quiz: QuizData | Mapping[str, Any]) -> dict[str, QuestionData]:
    """The quiz's questions keyed by their positional id."""
    return {question["id"]: question for question in quiz["questions"]}


def draw_layout(quiz: QuizData | Mapping[str, Any], rng: random.Random) -> list[LayoutItem]:
    """Draw ``draw`` questions (all when None) and, when ``shuffle``, shuffle questions and options.

    Without ``shuffle`` the drawn questions keep their file order. True/false options keep their
    order (True first, as written): shuffling them would only slow the reader down.
    """
    questions: list[QuestionData] = list(quiz["questions"])
    draw = quiz.get("draw")
    if draw is not None and draw < len(questions):
        chosen = set(rng.sample(range(len(questions)), draw))
        questions = [q for index, q in enumerate(questions) if index in chosen]
    if quiz.get("shuffle"):
        rng.shuffle(questions)
    layout: list[LayoutItem] = []
    for question in questions:
        option_ids = [option["id"] for option in question["options"]]
        if quiz.get("shuffle") and question["kind"] != "true_false":
            rng.shuffle(option_ids)
        layout.append({"id": question["id"], "options": option_ids})
    return layout


def question_credit(
    question: QuestionData, chosen: Sequence[str], partial_credit: bool
) -> Fraction:
    """Credit (0..1) for the options chosen on one question; nothing chosen scores 0.

    Single choice and true/false: 1 when the one chosen option is correct. Multiple choice:
    all-or-nothing, or with partial credit max(0, (correct chosen - wrong chosen) / correct).
    """
    correct = {option["id"] for option in question["options"] if option["correct"]}
    picked = set(chosen)
    if not picked or not correct:
        return Fraction(0)
    if question["kind"] != "multiple":
        return Fraction(1) if len(picked) == 1 and picked <= correct else Fraction(0)
    if not partial_credit:
        return Fraction(1) if picked == correct else Fraction(0)
    right = len(picked & correct)
    wrong = len(picked - correct)
    return max(Fraction(0), Fraction(right - wrong, len(correct)))


@dataclass(frozen=True)
class Grade:
    """The outcome of grading one attempt."""

    score: Fraction  # percent, exact: 0..100
    passed: bool
    results: dict[str, dict[str, Any]]  # {qid: {"credit": float, "chosen": [option ids]}}


def grade(
    quiz: QuizData | Mapping[str, Any], layout: Sequence[Mapping[str, Any]], answers: Answers
) -> Grade:
    """Score = mean credit x 100 over the drawn questions; passed when score >= pass_mark.

    Exact fractions, so that 4 of 5 right is exactly 80 and passes a pass mark of 80.
    """
    questions = questions_by_id(quiz)
    partial = bool(quiz.get("partial_credit"))
    results: dict[str, dict[str, Any]] = {}
    total = Fraction(0)
    for item in layout:
        qid = item["id"]
        chosen = [oid for oid in item["options"] if oid in set(answers.get(qid, ()))]
        credit = question_credit(questions[qid], chosen, partial)
        total += credit
        results[qid] = {"credit": float(credit), "chosen": chosen}
    score = total * 100 / len(layout) if layout else Fraction(0)
    return Grade(score=score, passed=score >= int(quiz["pass_mark"]), results=results)
