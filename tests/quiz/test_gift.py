"""Moodle GIFT to quiz.md: every kind that converts, every kind that does not, and the command."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from lms.content.gift import convert_gift
from lms.content.quiz_format import ParsedQuestion, ParsedQuiz, parse_quiz
from lms.content.validation import check_tree
from lms.quiz.cli import quiz_cli
from tests.content.helpers import copy_tree, write

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "gift" / "training.gift"
GIFT = Path("questions.gift")


def convert(text: str | bytes, language: str = "en") -> tuple[ParsedQuiz, list[str]]:
    """The converted quiz parsed back (it must parse cleanly), and the conversion's problems."""
    result = convert_gift(text, GIFT, language)
    quiz, problems = parse_quiz(result.markdown, Path("quiz.md"), language)
    assert problems == [], result.markdown
    assert result.converted == len(quiz.questions)
    return quiz, [str(p) for p in result.problems]


def summary(question: ParsedQuestion) -> tuple[str, str, list[tuple[str, bool, str]], str]:
    options = [(o.text, o.correct, o.feedback) for o in question.options]
    return question.kind, question.text, options, question.feedback


# --- the realistic file -----------------------------------------------------------------------


def test_realistic_file_converts_every_supported_question_and_names_the_others() -> None:
    result = convert_gift(FIXTURE.read_bytes(), FIXTURE, "en")

    assert [str(p) for p in result.problems] == [
        f'{FIXTURE}:68: cannot convert essay question "Essay"',
        f'{FIXTURE}:70: cannot convert numerical question "Numerical"',
        f'{FIXTURE}:72: cannot convert matching question "Matching"',
        f'{FIXTURE}:78: cannot convert short answer question "Short answer"',
        f'{FIXTURE}:80: cannot convert missing-word true/false question "Missing-word true/false"',
        f'{FIXTURE}:82: cannot convert description question "Only a description, with no '
        'answers at all."',
    ]
    assert result.converted == 13
    quiz, problems = parse_quiz(result.markdown, Path("quiz.md"), "en")
    assert problems == []
    assert quiz.settings == {"partial_credit": True}  # the weighted multiple-answer questions
    got = [summary(q) for q in quiz.questions]
    assert got == [
        (
            "single",
            'A woman at the shelter says her employer keeps her passport "for safekeeping". '
            "What is this?",
            [
                ("Debt bondage", False, "Debt bondage is about a debt, not documents."),
                (
                    "Retention of identity documents, an indicator of trafficking",
                    True,
                    "Right: it is an ILO indicator of forced labour.",
                ),
                ("Normal employment practice", False, ""),
            ],
            "Withholding identity documents is one of the ILO indicators of forced labour.",
        ),
        (
            "multiple",
            "Which of these are elements of the legal definition of trafficking? (select all)",
            [
                ("An act, such as recruitment or transport", True, ""),
                ("A means, such as threat or deception", True, ""),
                (
                    "Crossing an international border",
                    False,
                    "A border is not needed: trafficking can happen inside one country.",
                ),
            ],
            "",
        ),
        (
            "true_false",
            "If you can see only one indicator, the person cannot be a victim of trafficking.",
            [
                # {FALSE#wrong#right}: "True" is the wrong answer and gets the first feedback.
                ("True", False, "A single indicator can be enough to act on."),
                ("False", True, "Right: one indicator can be enough to refer."),
            ],
            "",
        ),
        (
            "true_false",
            "An adult resident may leave the shelter before her case plan is complete.",
            [("True", True, ""), ("False", False, "")],
            "Stays are voluntary for adults.",
        ),
        (
            "single",
            "Which of these GIFT characters must be escaped with a backslash: ~ = # { } :?",
            [("All six of them", True, ""), ("Only { and }", False, "")],
            "",
        ),
        (
            "single",
            "The hotline answers in three languages. Which number do you give to a "
            "Chinese-speaking caller?",
            [("The national hotline", True, ""), ("A private number", False, "")],
            "",
        ),
        (
            "single",
            "Which step comes **first** when a presumed victim discloses abuse?",
            [
                ("Make sure she is *safe* now", True, ""),
                ("Call the police", False, ""),
                ("Write down every detail", False, ""),
            ],
            "",
        ),
        (
            "single",
            "A girl of about 15 arrives with an <b>older woman</b> who answers for her.",
            [
                ("Treat her as a child until her age is established", True, ""),
                ("Let the older woman speak for her", False, ""),
            ],
            "",
        ),
        (
            "single",
            r"Which statement about 2\*3 &lt; 7 shelters is &lt;b&gt;true&lt;/b&gt;?",
            [
                (r"The text shows \*stars\* and &lt;tags&gt; as written", True, ""),
                ("None", False, ""),
            ],
            "",
        ),
        (
            "single",
            "Before an interview with a woman from Vietnam, you need an interpreter. "
            "Who should it be?",
            [
                (
                    "A trained interpreter with no link to her community",
                    True,
                    "Right: independence protects her.",
                ),
                (
                    "Her employer, who speaks both languages",
                    False,
                    "Never: he may be the exploiter.",
                ),
                ("A child from her family", False, ""),
            ],
            "",
        ),
        (
            "single",
            r"The \_\_\_\_\_ Protocol supplements the UN Convention against Transnational "
            "Organized Crime.",
            [("Palermo", True, ""), ("Vienna", False, ""), ("Geneva", False, "")],
            "",
        ),
        (
            "single",
            '쉼터의 한 여성이 고용주가 여권을 "보관해 주겠다"며 가지고 있다고 말합니다. '
            "이것은 무엇입니까?",
            [
                ("채무 속박", False, ""),
                ("신분증명서 압수", True, "ILO 강제노동 지표입니다."),
                ("일반적인 고용 관행", False, ""),
            ],
            "신분증명서를 빼앗아 두는 것은 강제노동 지표 가운데 하나입니다.",
        ),
        (
            "multiple",
            "以下哪些是人口贩运法律定义的要素？",
            [
                ("行为，如招募或运送", True, ""),
                ("手段，如威胁或欺骗", True, ""),
                ("跨越国境", False, "不一定跨越国境。"),
            ],
            "",
        ),
    ]
    html_question = quiz.questions[7]
    assert html_question.body == "What do you do?"  # the second <p> of an [html] question


def test_titles_are_kept_as_comments_above_the_headings() -> None:
    result = convert_gift(FIXTURE.read_bytes(), FIXTURE, "en")
    assert "<!-- Passport -->\n## A woman at the shelter" in result.markdown
    assert "<!-- Escapes: all of them -->\n## Which of these GIFT" in result.markdown


def test_converted_quiz_passes_the_module_checker(tmp_path: Path) -> None:
    result = convert_gift(FIXTURE.read_bytes(), FIXTURE, "en")
    root = copy_tree(tmp_path)
    write(root, "en/second-module/quiz.md", result.markdown)
    assert check_tree(root) == []


def test_byte_order_mark_and_windows_line_ends_change_nothing() -> None:
    data = FIXTURE.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    plain = data.removeprefix(b"\xef\xbb\xbf")
    crlf = plain.replace(b"\n", b"\r\n")
    first = convert_gift(data, GIFT)
    assert convert_gift(plain, GIFT).markdown == first.markdown
    assert convert_gift(crlf, GIFT).markdown == first.markdown
    assert convert_gift(plain.decode("utf-8"), GIFT).markdown == first.markdown


# --- single features --------------------------------------------------------------------------


def test_every_escape_is_read_as_its_character() -> None:
    quiz, problems = convert(
        r"::Sign\: \{x\}::What do \~ \= \# \{ \} \: mean?"
        r"{=They are \~\=\#\{\}\: ~Nothing#a \# sign}"
    )
    assert problems == []
    [question] = quiz.questions
    assert question.text == "What do ~ = # { } : mean?"
    assert [(o.text, o.feedback) for o in question.options] == [
        ("They are ~=#{}:", ""),
        ("Nothing", "a # sign"),
    ]


def test_escaped_newline_and_backslash() -> None:
    quiz, _problems = convert(r"Line one\nline two, a \\ backslash{=Yes#First\nsecond ~No}")
    [question] = quiz.questions
    assert question.text == r"Line one line two, a \\ backslash"  # Markdown for one backslash
    assert question.options[0].feedback == "First\nsecond"


def test_comment_lines_are_dropped_even_inside_a_question() -> None:
    quiz, _problems = convert("// a note\nWhich?{\n// the right one:\n=A\n~B\n}\n")
    assert [o.text for o in quiz.questions[0].options] == ["A", "B"]


def test_category_lines_are_not_questions() -> None:
    quiz, problems = convert("$CATEGORY: $course$/top/Quiz\n\nWhich?{=A ~B}\n")
    assert (len(quiz.questions), problems) == (1, [])


def test_question_right_under_a_category_line_is_kept() -> None:
    quiz, problems = convert("$CATEGORY: top/Quiz\nWhich?{=A ~B}\n\nOnly text.\n")
    assert [q.text for q in quiz.questions] == ["Which?"]
    assert problems == [f'{GIFT}:4: cannot convert description question "Only text."']


@pytest.mark.parametrize(
    ("answer", "is_true"), [("T", True), ("TRUE", True), ("F", False), ("FALSE", False)]
)
def test_true_false_in_every_spelling(answer: str, is_true: bool) -> None:
    quiz, _problems = convert(f"Victims always know they are victims.{{{answer}}}")
    [question] = quiz.questions
    assert question.kind == "true_false"
    assert [(o.text, o.correct) for o in question.options] == [
        ("True", is_true),
        ("False", not is_true),
    ]


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", ["True", "False"]), ("ko", ["참", "거짓"]), ("zh", ["正确", "错误"])],
)
def test_true_false_options_are_in_the_quiz_language(language: str, words: list[str]) -> None:
    quiz, _problems = convert(
        "한 가지 지표만 있으면 피해자가 아니다.{F#틀렸습니다.#맞습니다.}", language
    )
    [question] = quiz.questions
    assert question.kind == "true_false"
    assert [(o.text, o.correct, o.feedback) for o in question.options] == [
        (words[0], False, "틀렸습니다."),
        (words[1], True, "맞습니다."),
    ]


def test_one_full_weight_answer_needs_no_partial_credit() -> None:
    result = convert_gift("Which?{~%100%Right ~%-100%Wrong ~Also wrong}", GIFT)
    assert not result.markdown.startswith("---")
    quiz, _problems = parse_quiz(result.markdown, Path("quiz.md"), "en")
    assert quiz.questions[0].kind == "single"
    assert [o.correct for o in quiz.questions[0].options] == [True, False, False]


def test_split_weights_turn_partial_credit_on() -> None:
    result = convert_gift("Which?{~%33.3%A ~%33.3%B ~%33.3%C ~%-100%D}", GIFT)
    assert result.markdown.startswith("---\npartial_credit: true\n---\n")


def test_plain_format_shows_markdown_and_html_characters_as_written() -> None:
    quiz, _problems = convert("[plain]Is <b>this</b> bold or *this*?{=Neither ~Both}")
    [question] = quiz.questions
    assert question.text == r"Is &lt;b&gt;this&lt;/b&gt; bold or \*this\*?"


def test_html_format_keeps_inline_html_and_splits_paragraphs() -> None:
    quiz, _problems = convert(
        "[html]<p>First <i>paragraph</i>.</p>\n<p>Second_one.</p>{=[html]<b>A</b> ~B}"
    )
    [question] = quiz.questions
    assert question.text == "First <i>paragraph</i>."
    assert question.body == r"Second\_one."
    assert question.options[0].text == "<b>A</b>"


def test_missing_word_text_after_the_braces_becomes_a_blank() -> None:
    quiz, _problems = convert("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert quiz.questions[0].text == r"Grant is \_\_\_\_\_ in Grant's tomb."


def test_heading_ending_in_a_hash_keeps_it() -> None:
    quiz, _problems = convert(r"Which language is C\#{=A language ~A note}")
    assert quiz.questions[0].text == r"Which language is C\#"


def test_title_with_double_dashes_cannot_end_the_comment() -> None:
    result = convert_gift("::a --> b::Which?{=A ~B}", GIFT)
    assert result.markdown.startswith("<!-- a - -> b -->\n## Which?")


# --- what does not convert --------------------------------------------------------------------

UNSUPPORTED = [
    ("essay", "::E::Describe a safe room.{}", 'cannot convert essay question "E"'),
    (
        "essay with general feedback",
        "Describe a safe room.{####Think of exits.}",
        'cannot convert essay question "Describe a safe room."',
    ),
    ("numerical", "How many indicators?{#11:0}", "cannot convert numerical question"),
    ("matching", "Match.{=a -> b =c -> d}", "cannot convert matching question"),
    (
        "short answer",
        "Which protocol?{=Palermo =The Palermo Protocol}",
        "cannot convert short answer",
    ),
    (
        "missing-word short answer",
        "The {=Palermo} Protocol.",
        "cannot convert short answer question",
    ),
    ("description", "Only text.", 'cannot convert description question "Only text."'),
    (
        "partial single choice",
        "Which?{=Best ~%50%Half right ~Wrong}",
        "cannot convert partial-credit single choice question",
    ),
    (
        "two right single answers",
        "Which?{=One =Other ~Wrong}",
        "cannot convert single choice with several right answers question",
    ),
    ("no right answer", "Which?{~A ~B}", 'multiple choice question "Which?" has no right answer'),
    ("one answer", "Which?{~%100%A}", "needs at least two answers"),
    (
        "too many answers",
        "Which?{=A " + " ".join(f"~{n}" for n in range(26)) + "}",
        "has 27 answers; quiz.md allows at most 26",
    ),
    ("unclosed brace", "Which?{=A ~B", "has a { without a matching }"),
    ("empty answer", "Which?{=A ~ ~B}", "the option is empty"),
    ("empty question", "::Nameless::{=A ~B}", 'question "Nameless" does not make a valid'),
]


@pytest.mark.parametrize(
    ("gift", "words"), [pytest.param(g, w, id=name) for name, g, w in UNSUPPORTED]
)
def test_question_that_cannot_convert_is_reported_with_its_line(gift: str, words: str) -> None:
    text = (
        "// header\n\nWhich is right?{=This ~That}\n\n"
        f"// the problem:\n{gift}\n\nLast?{{=Yes ~No}}\n"
    )
    quiz, problems = convert(text)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{GIFT}:6: "), problems
    assert words in problems[0]
    assert [q.text for q in quiz.questions] == ["Which is right?", "Last?"]


def test_duplicate_question_is_reported_and_the_first_kept() -> None:
    quiz, problems = convert("Which?{=A ~B}\n\nWhich?{=A ~C}\n")
    assert problems == [f'{GIFT}:3: question "Which?" repeats the question on line 1']
    assert len(quiz.questions) == 1


def test_file_that_is_not_utf8_is_reported_with_its_line() -> None:
    result = convert_gift("Which?{=A ~B}\n\nCaf\xe9?{=A ~B}\n".encode("latin-1"), GIFT)
    assert [str(p) for p in result.problems] == [
        f"{GIFT}:3: the file is not UTF-8 text: save it as UTF-8"
    ]
    assert (result.converted, result.markdown) == (0, "")


# --- the command ------------------------------------------------------------------------------

CLEAN = "::One::Which?{=A ~B}\n\n::Two::Statement.{TRUE}\n"


def test_command_writes_the_quiz_and_exits_0(app: Flask, tmp_path: Path) -> None:
    source, out = tmp_path / "in.gift", tmp_path / "quiz.md"
    source.write_text(CLEAN, encoding="utf-8")

    result = app.test_cli_runner().invoke(
        quiz_cli, ["import-gift", str(source), "-o", str(out), "--language", "ko"]
    )

    assert result.exit_code == 0, result.output
    assert result.stderr == f"Converted 2 questions to {out}.\n"
    quiz, problems = parse_quiz(out.read_text(encoding="utf-8"), out, "ko")
    assert problems == []
    assert [o.text for o in quiz.questions[1].options] == ["참", "거짓"]


def test_command_prints_the_quiz_without_an_output_file(app: Flask, tmp_path: Path) -> None:
    source = tmp_path / "in.gift"
    source.write_text(CLEAN, encoding="utf-8")

    result = app.test_cli_runner().invoke(quiz_cli, ["import-gift", str(source)])

    assert result.exit_code == 0
    assert result.stdout.startswith("<!-- One -->\n## Which?\n\n- [x] A\n- [ ] B\n")
    assert result.stderr == "Converted 2 questions.\n"


def test_command_with_unsupported_questions_writes_nothing_and_exits_1(
    app: Flask, tmp_path: Path
) -> None:
    out = tmp_path / "quiz.md"

    result = app.test_cli_runner().invoke(quiz_cli, ["import-gift", str(FIXTURE), "-o", str(out)])

    assert result.exit_code == 1
    assert not out.exists()
    lines = result.stderr.splitlines()
    assert lines[0] == f'{FIXTURE}:68: cannot convert essay question "Essay"'
    assert len(lines) == 7
    assert lines[-1] == (
        "6 questions not converted; nothing written (--skip-unsupported writes the other "
        "13 questions)."
    )
    assert result.stdout == ""


def test_command_skipping_unsupported_writes_the_rest_and_still_exits_1(
    app: Flask, tmp_path: Path
) -> None:
    out = tmp_path / "quiz.md"

    result = app.test_cli_runner().invoke(
        quiz_cli, ["import-gift", str(FIXTURE), "-o", str(out), "--skip-unsupported"]
    )

    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"Converted 13 questions to {out}. 6 questions were not converted (listed above)."
    )
    quiz, problems = parse_quiz(out.read_text(encoding="utf-8"), out, "en")
    assert (len(quiz.questions), problems) == (13, [])


def test_command_refuses_to_overwrite_without_force(app: Flask, tmp_path: Path) -> None:
    source, out = tmp_path / "in.gift", tmp_path / "quiz.md"
    source.write_text(CLEAN, encoding="utf-8")
    out.write_text("my quiz", encoding="utf-8")
    runner = app.test_cli_runner()

    refused = runner.invoke(quiz_cli, ["import-gift", str(source), "-o", str(out)])
    assert refused.exit_code == 2
    assert f"{out} exists: use --force to overwrite it." in refused.stderr
    assert out.read_text(encoding="utf-8") == "my quiz"

    forced = runner.invoke(quiz_cli, ["import-gift", str(source), "-o", str(out), "--force"])
    assert forced.exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("<!-- One -->")


def test_command_on_a_file_without_questions_exits_1(app: Flask, tmp_path: Path) -> None:
    source = tmp_path / "in.gift"
    source.write_text("// only a comment\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(quiz_cli, ["import-gift", str(source)])
    assert result.exit_code == 1
    assert result.stderr == "The file has no questions; nothing written.\n"


def test_command_is_part_of_the_lms_command(app: Flask) -> None:
    from lms.cli import main

    assert main.get_command(None, "quiz") is quiz_cli  # type: ignore[arg-type]


def test_text_that_looks_like_a_markdown_block_stays_text() -> None:
    quiz, _problems = convert("1. Which step?{=- Listen#> Quoted? No.\n~2) Talk}")
    [question] = quiz.questions
    assert question.text == r"1\. Which step?"
    assert [(o.text, o.feedback) for o in question.options] == [
        (r"\- Listen", r"\> Quoted? No."),
        (r"2\) Talk", ""),
    ]
