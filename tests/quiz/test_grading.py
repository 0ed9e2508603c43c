"""Grading and drawing rules, on parsed quizzes (no database)."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from lms.quiz.grading import draw_layout, grade, question_credit
from tests.factories import make_question, make_quiz_data

SINGLE = make_question("Which?", [("A", False), ("B", True), ("C", False)])
TRUE_FALSE = make_question("True?", [("True", False), ("False", True)])
# Three correct options (a, b, c) and two wrong ones (d, e).
MULTIPLE = make_question(
    "Which are elements?",
    [("Act", True), ("Means", True), ("Purpose", True), ("Border", False), ("Consent", False)],
)


def _question(raw: dict, kind: str) -> dict:
    quiz = make_quiz_data([raw])
    question = quiz["questions"][0]
    assert question["kind"] == kind
    return question


@pytest.mark.parametrize(
    ("chosen", "credit"), [(["b"], 1), (["a"], 0), (["c"], 0), ([], 0), (["a", "b"], 0)]
)
def test_single_choice_scores_one_only_for_the_correct_option(
    chosen: list[str], credit: int
) -> None:
    question = _question(SINGLE, "single")
    assert question_credit(question, chosen, partial_credit=True) == credit


@pytest.mark.parametrize(("chosen", "credit"), [(["b"], 1), (["a"], 0), ([], 0)])
def test_true_false_scores_one_for_the_correct_value(chosen: list[str], credit: int) -> None:
    question = _question(TRUE_FALSE, "true_false")
    assert question_credit(question, chosen, partial_credit=False) == credit


@pytest.mark.parametrize(
    ("chosen", "credit"),
    [
        (["a", "b", "c"], 1),
        (["a", "b"], 0),
        (["a", "b", "c", "d"], 0),
        (["d"], 0),
        ([], 0),
    ],
)
def test_multiple_choice_is_all_or_nothing_by_default(chosen: list[str], credit: int) -> None:
    question = _question(MULTIPLE, "multiple")
    assert question_credit(question, chosen, partial_credit=False) == credit


@pytest.mark.parametrize(
    ("chosen", "credit"),
    [
        (["a", "b", "c"], Fraction(1)),
        (["a", "b"], Fraction(2, 3)),  # (2 - 0) / 3
        (["a", "b", "c", "d"], Fraction(2, 3)),  # (3 - 1) / 3
        (["a", "d"], Fraction(0)),  # (1 - 1) / 3
        (["a", "d", "e"], Fraction(0)),  # (1 - 2) / 3 is negative: 0
        (["a"], Fraction(1, 3)),
        ([], Fraction(0)),
    ],
)
def test_multiple_choice_partial_credit_subtracts_wrong_choices(
    chosen: list[str], credit: Fraction
) -> None:
    question = _question(MULTIPLE, "multiple")
    assert question_credit(question, chosen, partial_credit=True) == credit


def test_score_is_the_mean_credit_over_drawn_questions_and_unanswered_scores_zero() -> None:
    quiz = make_quiz_data([SINGLE, TRUE_FALSE, MULTIPLE], partial_credit=True, pass_mark=60)
    layout = draw_layout(quiz, random.Random(1))
    result = grade(quiz, layout, {"1": ["b"], "3": ["a", "b"]})  # question 2 unanswered
    assert result.score == Fraction(100, 3) * Fraction(5, 3)  # (1 + 0 + 2/3) / 3 * 100
    assert not result.passed  # 55.6 < 60
    assert result.results == {
        "1": {"credit": 1.0, "chosen": ["b"]},
        "2": {"credit": 0.0, "chosen": []},
        "3": {"credit": pytest.approx(2 / 3), "chosen": ["a", "b"]},
    }


def test_a_score_exactly_at_the_pass_mark_passes() -> None:
    # 4 of 5 right is exactly 80: floating point would make 0.8 * 100 = 80.00000000000001,
    # and 1/3-type credits must not fall a hair short either.
    questions = [make_question(f"Q{n}", [("x", True), ("y", False)]) for n in range(5)]
    quiz = make_quiz_data(questions, pass_mark=80)
    layout = draw_layout(quiz, random.Random(0))
    answers = {str(n): ["a"] for n in range(1, 5)} | {"5": ["b"]}
    result = grade(quiz, layout, answers)
    assert result.score == 80 and result.passed
    failing = grade(quiz, layout, answers | {"4": ["b"]})
    assert failing.score == 60 and not failing.passed


def test_only_drawn_questions_count_towards_the_score() -> None:
    questions = [make_question(f"Q{n}", [("x", True), ("y", False)]) for n in range(6)]
    quiz = make_quiz_data(questions, draw=2)
    layout = [{"id": "2", "options": ["a", "b"]}, {"id": "5", "options": ["b", "a"]}]
    # Answers to questions that were not drawn are ignored; the layout decides.
    result = grade(quiz, layout, {"2": ["a"], "5": ["b"], "1": ["a"]})
    assert result.score == 50
    assert set(result.results) == {"2", "5"}


def test_draw_takes_a_subset_in_file_order_without_shuffle() -> None:
    questions = [
        make_question(f"Q{n}", [("x", True), ("y", False), ("z", False)]) for n in range(8)
    ]
    quiz = make_quiz_data(questions, draw=3, shuffle=False)
    for seed in range(20):
        layout = draw_layout(quiz, random.Random(seed))
        ids = [item["id"] for item in layout]
        assert len(ids) == 3 and ids == sorted(ids, key=int)
        assert all(item["options"] == ["a", "b", "c"] for item in layout)


def test_shuffle_reorders_questions_and_options_but_keeps_true_false_order() -> None:
    questions = [
        make_question(f"Q{n}", [("w", True), ("x", False), ("y", False), ("z", False)])
        for n in range(6)
    ]
    questions.append(TRUE_FALSE)
    quiz = make_quiz_data(questions, shuffle=True)
    orders = set()
    option_orders = set()
    for seed in range(30):
        layout = draw_layout(quiz, random.Random(seed))
        assert sorted(item["id"] for item in layout) == [str(n) for n in range(1, 8)]
        orders.add(tuple(item["id"] for item in layout))
        for item in layout:
            if item["id"] == "7":
                assert item["options"] == ["a", "b"]
            else:
                assert sorted(item["options"]) == ["a", "b", "c", "d"]
                option_orders.add(tuple(item["options"]))
    assert len(orders) > 20 and len(option_orders) > 10


def test_draw_larger_than_the_pool_draws_every_question() -> None:
    quiz = make_quiz_data(draw=10)
    assert [item["id"] for item in draw_layout(quiz, random.Random(3))] == ["1", "2", "3", "4"]
