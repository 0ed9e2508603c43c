"""The shape of a parsed quiz, as stored in ``ModuleVersion.quiz_data`` (JSON) at import.

The content pipeline writes it (``lms.content.quiz_format``); the quiz feature reads it to draw,
show and grade attempts. Question and option ids are positional ("1", "2", ... and "a", "b", ...),
so question 3 of the Korean quiz is question 3 of the English one: item analysis and the
cross-language checks rely on that. HTML is rendered and sanitised at import, like lessons.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

QuestionKind = Literal["single", "multiple", "true_false"]


class OptionData(TypedDict):
    id: str  # "a", "b", ... in file order
    html: str  # sanitised inline HTML of the option text
    correct: bool
    feedback_html: NotRequired[str]  # an indented "> ..." under the option


class QuestionData(TypedDict):
    id: str  # "1", "2", ... in file order
    kind: QuestionKind  # one [x]: single; several: multiple; options True/False: true_false
    html: str  # sanitised HTML of the question (heading text plus any Markdown body)
    options: list[OptionData]
    feedback_html: NotRequired[str]  # the question's "> ..." block
    line: int  # line of the question's `## ` heading in quiz.md


class QuizData(TypedDict):
    draw: int | None  # questions drawn per attempt; None: all
    shuffle: bool  # shuffle questions and options per attempt
    partial_credit: bool  # multiple choice: partial credit instead of all-or-nothing
    pass_mark: int  # percent; quiz.md overrides module.md, default 80
    max_attempts: int | None  # quiz.md overrides module.md; None: unlimited
    retry_after_minutes: int | None  # wait between a failed attempt and the next
    questions: list[QuestionData]
