"""A parsed quiz to ``QuizData``: every piece of Markdown rendered and sanitised once, at import."""

from __future__ import annotations

import re
import string

from lms.content.quiz_format import ParsedQuestion, ParsedQuiz
from lms.content.quizdata import OptionData, QuestionData, QuizData
from lms.content.render import Links, render

# A line starting like one of these would become a block (list, quote, heading, rule,
# admonition) instead of text; a backslash keeps the character as text.
BLOCK_START = re.compile(r"^(?:[-+*](?=[ \t]|$)|#+(?=[ \t]|$)|>|!!!|(?:[-*_][ \t]*){3,}$)")
ORDERED_START = re.compile(r"^(\d{1,9})([.)])(?=[ \t]|$)")
PARAGRAPH = re.compile(r"\A<p>(.*)</p>\Z", re.DOTALL)


def build_quiz_data(
    quiz: ParsedQuiz,
    *,
    language: str,
    links: Links,
    pass_mark: int,
    max_attempts: int | None,
) -> QuizData:
    """The stored form of ``quiz``; ``pass_mark`` and ``max_attempts`` are module.md's values,
    which the quiz's own settings override."""
    settings = quiz.settings
    return QuizData(
        draw=settings.get("draw"),
        shuffle=settings.get("shuffle", True),
        partial_credit=settings.get("partial_credit", False),
        pass_mark=settings.get("pass_mark", pass_mark),
        max_attempts=settings.get("max_attempts", max_attempts),
        retry_after_minutes=settings.get("retry_after_minutes"),
        questions=[
            _question(question, str(number), language, links)
            for number, question in enumerate(quiz.questions, start=1)
        ],
    )


def _question(question: ParsedQuestion, qid: str, language: str, links: Links) -> QuestionData:
    # The heading becomes the first paragraph: the quiz page sets its own heading levels.
    source = escape_block_start(question.text)
    if question.body.strip():
        source += "\n\n" + question.body
    data = QuestionData(
        id=qid,
        kind=question.kind,
        html=render(source, language=language, links=links),
        options=[],
        line=question.line,
    )
    for letter, option in zip(string.ascii_lowercase, question.options, strict=False):
        item = OptionData(
            id=letter,
            html=render_inline(option.text, language=language, links=links),
            correct=option.correct,
        )
        if option.feedback.strip():
            item["feedback_html"] = render(option.feedback, language=language, links=links)
        data["options"].append(item)
    if question.feedback.strip():
        data["feedback_html"] = render(question.feedback, language=language, links=links)
    return data


def render_inline(text: str, *, language: str, links: Links) -> str:
    """One line of Markdown as sanitised inline HTML, without a wrapping ``<p>``."""
    html = render(escape_block_start(text), language=language, links=links).strip()
    match = PARAGRAPH.match(html)
    if match and "<p>" not in match.group(1):
        return match.group(1)
    return html


def escape_block_start(text: str) -> str:
    """``text`` (one line) with a backslash before a start that Markdown reads as a block."""
    text = text.strip()
    ordered = ORDERED_START.match(text)
    if ordered:
        return f"{ordered.group(1)}\\{ordered.group(2)}{text[ordered.end() :]}"
    if BLOCK_START.match(text):
        return "\\" + text
    return text
