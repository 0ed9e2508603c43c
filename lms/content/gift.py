"""Moodle GIFT to quiz.md: the question kinds quiz.md has, and a problem for every other one.

Follows Moodle's own reader (question/format/gift): questions are separated by blank lines,
``//`` lines are comments, ``::title::`` names a question, the first ``{`` ... ``}`` holds the
answers, text after the ``}`` makes a missing-word question, ``####`` starts the general
feedback, ``#`` an answer's feedback, ``%n%`` an answer's weight, and ``[html]``,
``[markdown]``, ``[plain]`` or ``[moodle]`` at the start of a text names its format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _

from lms.content.problems import Problem, problem
from lms.content.quiz_checks import MAX_OPTIONS, normalise_text
from lms.content.quiz_format import parse_quiz
from lms.content.quiz_render import escape_block_start

# Escaped characters become private-use placeholders while the structure is read.
ESCAPES = {":": "\ue000", "#": "\ue001", "=": "\ue002", "{": "\ue003", "}": "\ue004", "~": "\ue005"}
NEWLINE_MARK = "\ue006"
BACKSLASH_MARK = "\ue007"
RESTORE = {mark: char for char, mark in ESCAPES.items()} | {
    NEWLINE_MARK: "\n",
    BACKSLASH_MARK: "\\",
}
FORMATS = ("moodle", "html", "plain", "markdown")
FORMAT_MARKER = re.compile(r"^\[(\w+)\]")
WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
TRUE_FALSE_ANSWERS = {"T": True, "TRUE": True, "F": False, "FALSE": False}
# Option texts of a converted true/false question, per quiz language.
TRUE_FALSE_WORDS = {"en": ("True", "False"), "ko": ("참", "거짓"), "zh": ("正确", "错误")}
MISSING_WORD = "\\_\\_\\_\\_\\_"  # "_____" that Markdown shows as it is
MISSING_WORD_MARK = "\ue008"  # where the answers stood, until the text is Markdown
HAN = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
HAN_PAIR = re.compile(f"(?<=[{HAN}])\n(?=[{HAN}])")
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]])")
PLAIN_SPECIAL = re.compile(r"([\\`*_\[\]#!])")
HTML_TAG = re.compile(r"(<[^>]*>)")
HTML_PARAGRAPH_BREAK = re.compile(r"\s*</p>\s*<p(?:\s[^>]*)?>\s*", re.IGNORECASE)
HTML_PARAGRAPH_EDGE = re.compile(r"^\s*<p(?:\s[^>]*)?>|</p>\s*$", re.IGNORECASE)
NAME_LENGTH = 50


@dataclass
class GiftConversion:
    """The quiz.md text of every question that converted, and a problem for each that did not."""

    markdown: str = ""
    converted: int = 0
    problems: list[Problem] = field(default_factory=list)


@dataclass
class _Answer:
    text: str
    weight: float  # percent
    feedback: str = ""


@dataclass
class _Question:
    line: int  # GIFT line where the question starts
    name: str  # title, or the start of the text, for messages
    title: str
    text: str  # Markdown
    answers: list[_Answer]
    feedback: str = ""  # Markdown
    partial_credit: bool = False
    markdown: str = ""


class _Unsupported(Exception):
    """The question cannot become a quiz.md question; the message says why."""


def convert_gift(data: bytes | str, path: Path, language: str = "en") -> GiftConversion:
    """Convert a GIFT file's content to quiz.md text in ``language`` (for true/false words)."""
    result = GiftConversion()
    text = _decode(data, path, result)
    if text is None:
        return result
    questions: list[_Question] = []
    seen: dict[str, int] = {}
    for line, lines in _blocks(text):
        try:
            question = _read_question(line, lines, language)
        except _Unsupported as error:
            result.problems.append(problem(path, line, str(error)))
            continue
        first = seen.setdefault(normalise_text(question.text), line)
        if first != line:
            result.problems.append(
                problem(
                    path,
                    line,
                    _(
                        'question "%(name)s" repeats the question on line %(first)s',
                        name=question.name,
                        first=first,
                    ),
                )
            )
            continue
        question.markdown = _question_markdown(question)
        questions.append(question)
    questions = _keep_valid(questions, path, language, result)
    result.converted = len(questions)
    result.markdown = _quiz_markdown(questions)[0]
    result.problems.sort(key=lambda p: p.line)
    return result


def _decode(data: bytes | str, path: Path, result: GiftConversion) -> str | None:
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            result.problems.append(
                problem(path, line, _("the file is not UTF-8 text: save it as UTF-8"))
            )
            return None
    else:
        text = data
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Questions as (first line number, trimmed lines), split at blank lines like Moodle."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[tuple[int, str]] = []
    for number, raw in enumerate([*text.split("\n"), ""], start=1):
        line = raw.strip()
        if line.startswith("//"):
            continue
        if line:
            current.append((number, line))
            continue
        if current and current[0][1].startswith("$CATEGORY:"):
            # Moodle's question-bank category: nothing to convert, but a question written
            # right under it, without a blank line, is still a question.
            current = current[1:]
        if current:
            blocks.append((current[0][0], [line for _number, line in current]))
        current = []
    return blocks


def _protect(text: str) -> str:
    text = text.replace("\\\\", BACKSLASH_MARK)
    for char, mark in ESCAPES.items():
        text = text.replace("\\" + char, mark)
    return text.replace("\\n", NEWLINE_MARK)


def _restore(text: str) -> str:
    for mark, char in RESTORE.items():
        text = text.replace(mark, char)
    return text


def _read_question(line: int, lines: list[str], language: str) -> _Question:
    text = _protect("\n".join(lines))
    title = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end >= 0:
            title = _restore(text[2:end]).strip()
            text = text[end + 2 :].strip()
        else:
            text = text[2:]
    name = title or _short(_restore(FORMAT_MARKER.sub("", text.split("{")[0])))
    start, finish = text.find("{"), text.find("}")
    if start < 0 and finish < 0:
        raise _Unsupported(_cannot(_("description"), name))
    if start < 0 or finish < start:
        raise _Unsupported(
            _(
                'question "%(name)s" has a { without a matching } (write \\{ or \\} for a brace)',
                name=name,
            )
        )
    answer_text = text[start + 1 : finish].strip()
    missing_word = bool(text[finish + 1 :].strip())
    if missing_word:
        question_text = text[:start] + MISSING_WORD_MARK + text[finish + 1 :]
    else:
        question_text = text[:start]
    general = ""
    if "####" in answer_text:
        cut = answer_text.rindex("####")
        answer_text, general = answer_text[:cut].strip(), answer_text[cut + 4 :]
    body, text_format = _with_format(question_text.strip(), "moodle")
    markdown = _to_markdown(body, text_format).replace(MISSING_WORD_MARK, MISSING_WORD)
    question = _Question(
        line=line,
        name=name,
        title=title,
        text=markdown,
        answers=[],
        feedback=_piece(general, text_format),
    )
    kind = _kind(answer_text)
    if kind == "multichoice":
        _multiple_choice(question, answer_text, text_format, name)
    elif kind == "truefalse" and not missing_word:
        _true_false(question, answer_text, text_format, language)
    else:
        labels = {
            "essay": _("essay"),
            "numerical": _("numerical"),
            "matching": _("matching"),
            "shortanswer": _("short answer"),
            "truefalse": _("missing-word true/false"),
        }
        raise _Unsupported(_cannot(labels[kind], name))
    return question


def _kind(answer_text: str) -> str:
    """Moodle's choice of question type from the text between the braces."""
    if not answer_text:
        return "essay"
    if answer_text.startswith("#"):
        return "numerical"
    if "~" in answer_text:
        return "multichoice"
    if "=" in answer_text and "->" in answer_text:
        return "matching"
    if answer_text.split("#", 1)[0].strip().upper() in TRUE_FALSE_ANSWERS:
        return "truefalse"
    return "shortanswer"


def _multiple_choice(question: _Question, answer_text: str, text_format: str, name: str) -> None:
    is_single = "=" in answer_text  # Moodle: one "=" answer makes it single choice
    parts = [part.strip() for part in answer_text.replace("=", "~=").split("~")]
    if parts and not parts[0]:
        parts = parts[1:]  # the text before the first ~ or =
    for part in parts:
        weight = 0.0
        if part.startswith("="):
            weight, part = 100.0, part[1:]
        else:
            match = WEIGHT.match(part)
            if match:
                weight, part = float(match.group(1)), part[match.end() :]
        answer, _sep, feedback = part.partition("#")
        question.answers.append(
            _Answer(
                text=_one_line(_piece(answer, text_format)),
                weight=weight,
                feedback=_piece(feedback, text_format),
            )
        )
    positive = [a.weight for a in question.answers if a.weight > 0]
    if len(question.answers) < 2:
        raise _Unsupported(
            _('multiple choice question "%(name)s" needs at least two answers', name=name)
        )
    if len(question.answers) > MAX_OPTIONS:
        raise _Unsupported(
            _(
                'multiple choice question "%(name)s" has %(count)s answers; quiz.md allows '
                "at most %(limit)s",
                name=name,
                count=len(question.answers),
                limit=MAX_OPTIONS,
            )
        )
    if not positive:
        raise _Unsupported(
            _(
                'multiple choice question "%(name)s" has no right answer: mark one with = '
                "or give it a positive weight",
                name=name,
            )
        )
    # quiz.md single choice has one right answer and no partly right ones.
    if is_single and any(weight < 100 for weight in positive):
        raise _Unsupported(_cannot(_("partial-credit single choice"), name))
    if is_single and len(positive) > 1:
        raise _Unsupported(_cannot(_("single choice with several right answers"), name))
    question.partial_credit = not is_single and positive != [100]


def _true_false(question: _Question, answer_text: str, text_format: str, language: str) -> None:
    bits = answer_text.split("#", 2) + ["", ""]
    is_true = TRUE_FALSE_ANSWERS[bits[0].strip().upper()]
    wrong, right = _piece(bits[1], text_format), _piece(bits[2], text_format)
    yes, no = TRUE_FALSE_WORDS.get(language, TRUE_FALSE_WORDS["en"])
    question.answers = [
        _Answer(yes, 100 if is_true else 0, right if is_true else wrong),
        _Answer(no, 0 if is_true else 100, wrong if is_true else right),
    ]


def _with_format(text: str, default: str) -> tuple[str, str]:
    """``[format]`` at the start of ``text``: the text without it, and the format's name."""
    match = FORMAT_MARKER.match(text)
    if match and match.group(1).lower() in FORMATS:
        return text[match.end() :], match.group(1).lower()
    return text, default


def _piece(text: str, default_format: str) -> str:
    """An answer or a feedback (it may name its own format) as Markdown."""
    body, text_format = _with_format(text.strip(), default_format)
    return _to_markdown(body, text_format)


def _to_markdown(text: str, text_format: str) -> str:
    """GIFT text in ``text_format`` as Markdown; paragraphs separated by a blank line."""
    text = _restore(text).strip()
    if text_format == "markdown":
        return text
    if text_format == "plain":
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        text = PLAIN_SPECIAL.sub(r"\\\1", text)
    else:
        # html and moodle (Moodle's auto-format): HTML stays HTML, <p>s become paragraphs.
        text = HTML_PARAGRAPH_EDGE.sub("", HTML_PARAGRAPH_BREAK.sub("\n\n", text)).strip()
        parts = HTML_TAG.split(text)
        text = "".join(
            part if index % 2 else MARKDOWN_SPECIAL.sub(r"\\\1", part)
            for index, part in enumerate(parts)
        )
    # A line such as "- item" or "1. step" is text here, not a Markdown list.
    return "\n".join(escape_block_start(line) for line in text.split("\n"))


def _one_line(text: str) -> str:
    """Lines joined as one: a space between them, none between Chinese characters."""
    text = HAN_PAIR.sub("", text.strip())
    return " ".join(line.strip() for line in text.split("\n") if line.strip())


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= NAME_LENGTH else text[: NAME_LENGTH - 1].rstrip() + "…"


def _cannot(kind: str, name: str) -> str:
    return _('cannot convert %(kind)s question "%(name)s"', kind=kind, name=name)


def _question_markdown(question: _Question) -> str:
    lines: list[str] = []
    if question.title:
        # Kept for whoever compares with the Moodle bank; never shown (comments are stripped).
        title = re.sub("-(?=-)", "- ", " ".join(question.title.split()))
        lines.append(f"<!-- {title} -->")
    paragraphs = question.text.split("\n\n")
    heading = _one_line(paragraphs[0])
    if heading.endswith("#"):
        heading = heading[:-1] + "\\#"  # else Markdown drops it as a closing "#"
    lines += [f"## {heading}", ""]
    rest = "\n\n".join(paragraphs[1:]).strip()
    if rest:
        lines += [rest, ""]
    for answer in question.answers:
        box = "[x]" if answer.weight > 0 else "[ ]"
        lines.append(f"- {box} {answer.text}")
        lines += _quoted(answer.feedback, "  ")
    if question.feedback:
        lines += [""] + _quoted(question.feedback, "")
    return "\n".join(lines) + "\n"


def _quoted(text: str, indent: str) -> list[str]:
    if not text:
        return []
    return [f"{indent}> {line}".rstrip() for line in text.split("\n")]


def _quiz_markdown(questions: list[_Question]) -> tuple[str, list[int]]:
    """The quiz.md text, and the line on which each question starts in it."""
    if not questions:
        return "", []
    partial = any(q.partial_credit for q in questions)
    head = "---\npartial_credit: true\n---\n\n" if partial else ""
    starts: list[int] = []
    line = head.count("\n") + 1
    for question in questions:
        starts.append(line)
        line += question.markdown.count("\n") + 1  # +1: the blank line between questions
    return head + "\n".join(q.markdown for q in questions), starts


def _keep_valid(
    questions: list[_Question], path: Path, language: str, result: GiftConversion
) -> list[_Question]:
    """Parse the quiz.md made so far; a question the quiz checker refuses is not converted."""
    while questions:
        markdown, starts = _quiz_markdown(questions)
        _quiz, found = parse_quiz(markdown, path, language)
        if not found:
            return questions
        refused: set[int] = set()
        for item in found:
            index = max((i for i, s in enumerate(starts) if s <= item.line), default=0)
            question = questions[index]
            refused.add(index)
            result.problems.append(
                problem(
                    path,
                    question.line,
                    _(
                        'question "%(name)s" does not make a valid quiz.md question: %(reason)s',
                        name=question.name,
                        reason=item.message,
                    ),
                )
            )
        questions = [q for i, q in enumerate(questions) if i not in refused]
    return questions
