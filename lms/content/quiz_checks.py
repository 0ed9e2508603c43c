"""The checks of a parsed quiz: each question on its own, the whole quiz, and a translation."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from lms.content.problems import Problem, problem

if TYPE_CHECKING:  # quiz_format calls these checks while it parses
    from lms.content.quiz_format import ParsedOption, ParsedQuestion, ParsedQuiz

MAX_OPTIONS = 26  # option ids are the letters a-z
# The (true, false) option texts that make a two-option question a true/false one.
TRUE_FALSE: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (("true", "false"),),
    "ko": (("참", "거짓"), ("맞다", "틀리다"), ("o", "x")),
    "zh": (("正确", "错误"), ("对", "错")),
}


def check_question(question: ParsedQuestion, path: Path, language: str) -> list[Problem]:
    """Problems of one question's heading and options; sets its kind."""
    found: list[Problem] = []
    line = question.line
    if not question.text:
        found.append(problem(path, line, _("the question is empty: write it after `## `")))
    options = question.options
    if not options:
        found.append(
            problem(
                path,
                line,
                _("the question has no options: add a task list (`- [ ] wrong`, `- [x] right`)"),
            )
        )
        return found
    if len(options) < 2:
        found.append(problem(path, line, _("the question has only one option: give at least two")))
    if len(options) > MAX_OPTIONS:
        found.append(
            problem(
                path,
                line,
                _(
                    "the question has %(count)s options; at most %(limit)s are allowed",
                    count=len(options),
                    limit=MAX_OPTIONS,
                ),
            )
        )
    for option in options:
        if not option.text:
            found.append(problem(path, option.line, _("the option is empty: write its text")))
    correct = sum(option.correct for option in options)
    true_false = _is_true_false(options, language)
    if correct == 0:
        found.append(
            problem(path, line, _("the question has no correct option: mark one with `[x]`"))
        )
    elif true_false and correct == 2:
        found.append(
            problem(
                path,
                line,
                _("a true/false question has both options marked correct: mark one with `[x]`"),
            )
        )
    if correct > 1:
        question.kind = "multiple"
    elif true_false:
        question.kind = "true_false"
    else:
        question.kind = "single"
    return found


def _is_true_false(options: list[ParsedOption], language: str) -> bool:
    if len(options) != 2:
        return False
    texts = {normalise_text(option.text) for option in options}
    return any(texts == {yes, no} for yes, no in TRUE_FALSE.get(language, ()))


def normalise_text(text: str) -> str:
    """Text compared as a reader sees it: width, case and spacing do not matter."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def check_duplicates(questions: list[ParsedQuestion], path: Path) -> list[Problem]:
    """A question whose text and body repeat an earlier one's, naming both lines."""
    found: list[Problem] = []
    seen: dict[str, int] = {}
    for question in questions:
        if not question.text:
            continue
        key = normalise_text(question.text) + "\n" + normalise_text(question.body)
        first = seen.setdefault(key, question.line)
        if first != question.line:
            found.append(
                problem(
                    path,
                    question.line,
                    _(
                        "the question on line %(line)s repeats the question on line %(first)s",
                        line=question.line,
                        first=first,
                    ),
                )
            )
    return found


def check_translation(
    english: ParsedQuiz, translation: ParsedQuiz, path: Path, english_version: int
) -> list[Problem]:
    """A current translation's quiz must have the English questions' count and option boxes."""
    found: list[Problem] = []
    ours, theirs = translation.questions, english.questions
    if len(ours) != len(theirs):
        line = (
            ours[len(theirs)].line
            if len(ours) > len(theirs)
            else (ours[-1].line if ours else translation.front.body_line)
        )
        found.append(
            problem(
                path,
                line,
                _(
                    "the quiz has %(count)s questions but English version %(version)s, which "
                    "this translates, has %(english)s: translate every question, in order",
                    count=len(ours),
                    version=english_version,
                    english=len(theirs),
                ),
            )
        )
    for number, (mine, source) in enumerate(zip(ours, theirs, strict=False), start=1):
        if mine.pattern != source.pattern:
            found.append(
                problem(
                    path,
                    mine.line,
                    _(
                        "question %(number)s has the options %(pattern)s but in English version "
                        "%(version)s it has %(english)s: keep the number and order of options "
                        "and the same ones marked [x]",
                        number=number,
                        pattern=mine.pattern or "-",
                        version=english_version,
                        english=source.pattern or "-",
                    ),
                )
            )
    return found
