"""quiz.md: read it into questions and options, and report every problem with its line.

The format (see docs/authoring.md): optional front matter with the quiz settings, then one
``## `` heading per question, an optional Markdown body, a task list of options (``- [ ]`` /
``- [x]``), each option's own feedback as indented ``> `` lines under it, and the question's
feedback as a ``> `` block after the options. The checks of the questions are in ``quiz_checks``,
rendering to ``QuizData`` in ``quiz_render``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from lms.content.frontmatter import Field, FrontMatter, check_fields, parse_front_matter
from lms.content.problems import Problem, problem
from lms.content.quiz_checks import check_duplicates, check_question
from lms.content.quizdata import QuestionKind

QUIZ_FIELDS = {
    "draw": Field("integer", minimum=1),
    "shuffle": Field("boolean"),
    "partial_credit": Field("boolean"),
    "pass_mark": Field("integer", minimum=0, maximum=100),
    "max_attempts": Field("integer", minimum=1),
    "retry_after_minutes": Field("integer", minimum=0),
}
QUIZ_KEYS = tuple(QUIZ_FIELDS)

HEADING = re.compile(r"^ {0,3}##(?:[ \t]+(.*?))?[ \t]*$")
CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+$")
OPTION = re.compile(r"^ {0,3}[-*+][ \t]+\[([ xX])\](?:[ \t]+(.*?))?[ \t]*$")
# Looks like an option but its box is not "[ ]" or "[x]": "- []", "- [v]", "- [x]text".
BAD_OPTION = re.compile(r"^ {0,3}[-*+][ \t]+\[[^\]]{0,3}\]")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
COMMENT_OPEN = "<!--"
COMMENT_CLOSE = "-->"
OPTION_INDENT = 2  # an option's feedback and wrapped text are indented at least this much


@dataclass
class ParsedOption:
    line: int
    text: str  # Markdown, one line (wrapped lines joined)
    correct: bool
    feedback: str = ""  # Markdown of the indented "> " lines under the option


@dataclass
class ParsedQuestion:
    line: int  # the `## ` heading
    text: str  # the heading's text (Markdown)
    body: str = ""  # Markdown between the heading and the first option
    options: list[ParsedOption] = field(default_factory=list)
    feedback: str = ""  # Markdown of the question's "> " block
    kind: QuestionKind = "single"

    @property
    def pattern(self) -> str:
        """The options' boxes in order, e.g. ``[ ] [x] [ ]``: what translations must keep."""
        return " ".join("[x]" if option.correct else "[ ]" for option in self.options)


@dataclass
class ParsedQuiz:
    front: FrontMatter
    settings: dict[str, Any] = field(default_factory=dict)  # only settings that passed checks
    questions: list[ParsedQuestion] = field(default_factory=list)


def parse_quiz(text: str, path: Path, language: str) -> tuple[ParsedQuiz, list[Problem]]:
    """Read quiz.md ``text`` (already decoded); every problem found, with ``path`` and line."""
    front, problems = parse_front_matter(text, path)
    quiz = ParsedQuiz(front=front)
    for key in front.data:
        if key not in QUIZ_FIELDS:
            problems.append(
                problem(
                    path,
                    front.line_of(key),
                    _(
                        "unknown quiz setting `%(key)s` (known settings: %(known)s)",
                        key=key,
                        known=", ".join(f"`{k}`" for k in QUIZ_KEYS),
                    ),
                )
            )
    known = FrontMatter(
        data={k: v for k, v in front.data.items() if k in QUIZ_FIELDS},
        key_lines=front.key_lines,
    )
    quiz.settings, setting_problems = check_fields(known, QUIZ_FIELDS, path)
    problems.extend(setting_problems)

    reader = _Reader(path, problems)
    reader.read(front.body, front.body_line)
    quiz.questions = reader.questions
    if not quiz.questions:
        problems.append(
            problem(
                path,
                front.body_line,
                _("the quiz has no questions: start each question with a `## ` heading"),
            )
        )
    for question in quiz.questions:
        problems.extend(check_question(question, path, language))
    problems.extend(check_duplicates(quiz.questions, path))
    draw = quiz.settings.get("draw")
    if draw is not None and quiz.questions and draw > len(quiz.questions):
        problems.append(
            problem(
                path,
                front.line_of("draw"),
                _(
                    "`draw` is %(draw)s but the quiz has only %(count)s questions",
                    draw=draw,
                    count=len(quiz.questions),
                ),
            )
        )
    return quiz, problems


class _Reader:
    """Reads the quiz body line by line into questions, noting misplaced text."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        self.questions: list[ParsedQuestion] = []
        self.state = "start"  # start, body, options, feedback
        self.body: list[str] = []
        self.feedback: list[str] = []
        self.option_feedback: list[str] = []
        self.fence: str | None = None
        self.in_comment = False
        self.reported = False  # a run of misplaced lines is reported once, at its first line
        self.after_blank = False

    @property
    def question(self) -> ParsedQuestion:
        return self.questions[-1]

    def read(self, body: str, first_line: int) -> None:
        for index, line in enumerate(body.split("\n")):
            self._line(line, first_line + index)
        self._finish_question()

    def _line(self, line: str, number: int) -> None:
        if self.state == "body" and self.fence is not None:
            self.body.append(line)
            marker = FENCE.match(line)
            if marker and marker.group(1).startswith(self.fence):
                self.fence = None
            return
        if self.in_comment:
            self.in_comment = COMMENT_CLOSE not in line
            return
        heading = HEADING.match(line)
        if heading:
            self._finish_question()
            text = CLOSING_HASHES.sub("", heading.group(1) or "").strip()
            self.questions.append(ParsedQuestion(line=number, text=text))
            self.state, self.reported, self.after_blank = "body", False, False
            return
        if self.state == "body":
            self._body_line(line, number)
            return
        stripped = line.strip()
        if not stripped:
            self.reported, self.after_blank = False, True
            if self.state == "feedback":
                self.feedback.append("")
            elif self.option_feedback:
                self.option_feedback.append("")
            return
        if stripped.startswith(COMMENT_OPEN):
            # A comment (a GIFT import keeps question titles in one) is skipped anywhere.
            self.in_comment = COMMENT_CLOSE not in stripped
            return
        if self.state == "start":
            self._misplaced(
                number,
                _(
                    "text before the first question is not shown anywhere: remove it or "
                    "start a question with a `## ` heading"
                ),
            )
            return
        self._after_options_line(line, stripped, number)
        self.after_blank = False

    def _body_line(self, line: str, number: int) -> None:
        option = OPTION.match(line)
        if option:
            self._add_option(option, number)
            self.state = "options"
            return
        if BAD_OPTION.match(line):
            self._bad_option(number)
            return
        marker = FENCE.match(line)
        if marker:
            self.fence = marker.group(1)[0] * 3
        self.body.append(line)

    def _after_options_line(self, line: str, stripped: str, number: int) -> None:
        option = OPTION.match(line)
        if option:
            if self.state == "feedback":
                self.problems.append(
                    problem(
                        self.path,
                        number,
                        _(
                            "an option after the question's feedback: the `> ` feedback block "
                            "comes after all the options (an option's own feedback is indented "
                            "by two spaces under it)"
                        ),
                    )
                )
            self._add_option(option, number)
            self.state, self.reported = "options", False
            return
        if BAD_OPTION.match(line):
            self._bad_option(number)
            return
        indent = _indent(line)
        if self.state == "options" and indent >= OPTION_INDENT:
            current = self.question.options[-1]
            if stripped.startswith(">"):
                self.option_feedback.append(_unquote(stripped))
                return
            if not self.option_feedback and not self.after_blank and not self.reported:
                current.text = _join_lines(current.text, stripped)  # a wrapped option
                return
        elif indent < OPTION_INDENT and stripped.startswith(">"):
            if self.state == "options":
                self._finish_option()
            self.state, self.reported = "feedback", False
            self.feedback.append(_unquote(stripped))
            return
        self._misplaced(
            number,
            _(
                "text after the options must be another option (`- [ ] ...`), an option's "
                "feedback (an indented `> ...` line right under it) or the question's "
                "feedback (`> ...`)"
            ),
        )

    def _add_option(self, match: re.Match[str], number: int) -> None:
        self._finish_option()
        if self.state == "body":
            self.question.body = "\n".join(self.body).strip("\n")
            self.body = []
        self.question.options.append(
            ParsedOption(
                line=number,
                text=(match.group(2) or "").strip(),
                correct=match.group(1) != " ",
            )
        )

    def _finish_option(self) -> None:
        if self.option_feedback and self.question.options:
            self.question.options[-1].feedback = "\n".join(self.option_feedback).strip("\n")
        self.option_feedback = []

    def _finish_question(self) -> None:
        if not self.questions:
            return
        if self.state == "body":
            self.question.body = "\n".join(self.body).strip("\n")
        self._finish_option()
        if self.feedback:
            self.question.feedback = "\n".join(self.feedback).strip("\n")
        self.body, self.feedback, self.fence = [], [], None

    def _bad_option(self, number: int) -> None:
        self.problems.append(
            problem(
                self.path,
                number,
                _("write an option as `- [ ] text` (wrong) or `- [x] text` (right)"),
            )
        )

    def _misplaced(self, number: int, message: str) -> None:
        if not self.reported:
            self.problems.append(problem(self.path, number, message))
        self.reported = True


def _indent(line: str) -> int:
    expanded = line.expandtabs(4)
    return len(expanded) - len(expanded.lstrip(" "))


def _unquote(stripped: str) -> str:
    """A ``> text`` line without its marker (and the one space after it)."""
    text = stripped[1:]
    return text[1:] if text.startswith(" ") else text


HAN_EDGE = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def _join_lines(first: str, second: str) -> str:
    """Two lines of one sentence: a space between them, none between Chinese characters."""
    if not first:
        return second
    if HAN_EDGE.match(first[-1]) and HAN_EDGE.match(second[0]):
        return first + second
    return f"{first} {second}"
