"""quiz.md: parsing every kind, every check with its file and line, translations, and storing."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.content.models import ModuleVersion
from lms.content.quiz_format import ParsedQuiz, parse_quiz
from lms.content.quiz_render import build_quiz_data, render_inline
from lms.content.quizdata import QuizData
from lms.content.render import Links
from lms.content.services import import_tree
from lms.content.validation import check_tree
from tests.content.helpers import FIXTURE_TREE, copy_tree, edit, write

EN = "en/sample-module"
KO = "ko/sample-module"
ZH = "zh/sample-module"
SECOND = "en/second-module"  # English only: its quiz is compared with no translation
LINKS = Links.of("sample-module", "en", 1)


def parse(text: str, language: str = "en") -> ParsedQuiz:
    quiz, problems = parse_quiz(text, Path("quiz.md"), language)
    assert problems == []
    return quiz


def data(text: str, language: str = "en", **module: int | None) -> QuizData:
    quiz = parse(text, language)
    return build_quiz_data(
        quiz,
        language=language,
        links=Links.of("sample-module", language, 1),
        pass_mark=module.get("pass_mark") or 80,
        max_attempts=module.get("max_attempts"),
    )


# --- parsing ----------------------------------------------------------------------------------

RICH = """\
## Look at the **chart**. Which element is *missing*?

The chart shows two of the three elements:

- an act
- a purpose

![The three elements](media/elements.png)

- [ ] The act
  > No: the chart shows it.
- [x] The means (threat, *deception*, abuse of power)
  > Right.
  >
  > Means are what make consent irrelevant.
- [ ] The purpose

> The Palermo Protocol defines trafficking by **act**, **means** and **purpose**.
> Children need no means.
"""


def test_question_with_markdown_body_image_and_both_kinds_of_feedback() -> None:
    [question] = data(RICH)["questions"]

    assert question["id"] == "1"
    assert question["kind"] == "single"
    assert question["line"] == 1
    assert question["html"] == (
        "<p>Look at the <strong>chart</strong>. Which element is <em>missing</em>?</p>\n"
        "<p>The chart shows two of the three elements:</p>\n"
        "<ul>\n<li>an act</li>\n<li>a purpose</li>\n</ul>\n"
        '<p><img alt="The three elements" src="/media/sample-module/en/1/elements.png"></p>'
    )
    assert [(o["id"], o["html"], o["correct"]) for o in question["options"]] == [
        ("a", "The act", False),
        ("b", "The means (threat, <em>deception</em>, abuse of power)", True),
        ("c", "The purpose", False),
    ]
    assert question["options"][0]["feedback_html"] == "<p>No: the chart shows it.</p>"
    assert question["options"][1]["feedback_html"] == (
        "<p>Right.</p>\n<p>Means are what make consent irrelevant.</p>"
    )
    assert "feedback_html" not in question["options"][2]
    assert question["feedback_html"] == (
        "<p>The Palermo Protocol defines trafficking by <strong>act</strong>, "
        "<strong>means</strong> and <strong>purpose</strong>.\nChildren need no means.</p>"
    )


def test_several_marked_options_make_a_multiple_choice_question() -> None:
    quiz = parse("## Which apply?\n\n* [x] One\n* [X] Two\n* [ ] Three\n")
    [question] = quiz.questions
    assert question.kind == "multiple"
    assert [o.correct for o in question.options] == [True, True, False]


@pytest.mark.parametrize(
    ("language", "yes", "no"),
    [
        ("en", "True", "False"),
        ("en", "TRUE", "false"),
        ("ko", "참", "거짓"),
        ("ko", "맞다", "틀리다"),
        ("ko", "O", "X"),
        ("ko", "o", "x"),
        ("zh", "正确", "错误"),
        ("zh", "对", "错"),
    ],
)
def test_two_options_named_true_and_false_in_the_language_make_true_false(
    language: str, yes: str, no: str
) -> None:
    quiz = parse(f"## Statement.\n\n- [ ] {no}\n- [x] {yes}\n", language)
    assert quiz.questions[0].kind == "true_false"


@pytest.mark.parametrize(
    ("language", "options"),
    [
        ("en", ("참", "거짓")),  # Korean words in an English quiz
        ("ko", ("True", "False")),
        ("zh", ("正确", "错")),  # not one pair
        ("en", ("True", "Not true")),
    ],
)
def test_other_two_option_questions_are_single_choice(
    language: str, options: tuple[str, str]
) -> None:
    quiz = parse(f"## Statement.\n\n- [x] {options[0]}\n- [ ] {options[1]}\n", language)
    assert quiz.questions[0].kind == "single"


def test_three_options_with_true_and_false_are_single_choice() -> None:
    quiz = parse("## Statement.\n\n- [x] True\n- [ ] False\n- [ ] Unknown\n")
    assert quiz.questions[0].kind == "single"


def test_ids_are_positional_and_lines_are_the_headings() -> None:
    options = "\n".join(f"- [{'x' if n == 0 else ' '}] Option {n}" for n in range(26))
    quiz = data(
        f"---\nshuffle: false\n---\n\n## One?\n\n{options}\n\n## Two?\n\n- [x] a\n- [ ] b\n"
    )
    assert [(q["id"], q["line"]) for q in quiz["questions"]] == [("1", 5), ("2", 34)]
    assert [o["id"] for o in quiz["questions"][0]["options"]] == list(string.ascii_lowercase)


def test_settings_default_to_the_module_values() -> None:
    quiz = data("## Q?\n\n- [x] a\n- [ ] b\n", pass_mark=75, max_attempts=3)
    assert {k: v for k, v in quiz.items() if k != "questions"} == {
        "draw": None,
        "shuffle": True,
        "partial_credit": False,
        "pass_mark": 75,
        "max_attempts": 3,
        "retry_after_minutes": None,
    }


def test_quiz_settings_override_the_module_values() -> None:
    text = (
        "---\ndraw: 1\nshuffle: false\npartial_credit: true\npass_mark: 60\nmax_attempts: 5\n"
        "retry_after_minutes: 30\n---\n\n## Q?\n\n- [x] a\n- [ ] b\n\n## R?\n\n- [x] a\n- [ ] b\n"
    )
    quiz = data(text, pass_mark=75, max_attempts=3)
    assert {k: v for k, v in quiz.items() if k != "questions"} == {
        "draw": 1,
        "shuffle": False,
        "partial_credit": True,
        "pass_mark": 60,
        "max_attempts": 5,
        "retry_after_minutes": 30,
    }


def test_wrapped_option_comments_and_loose_lists_are_understood() -> None:
    text = (
        "<!-- Imported from Moodle: Passport -->\n"
        "## Q?\n\n"
        "- [ ] A long option that the author\n"
        "  wrapped onto a second line\n\n"
        "- [x] 中文选项的第一行\n"
        "  第二行\n"
        "<!-- a note between options -->\n"
        "- [ ] Third\n"
    )
    [question] = data(text, "zh")["questions"]
    assert [o["html"] for o in question["options"]] == [
        "A long option that the author wrapped onto a second line",
        "中文选项的第一行第二行",
        "Third",
    ]


def test_fenced_code_in_a_question_body_is_not_read_as_options() -> None:
    text = (
        "## Which line is a task list?\n\n```\n- [x] not an option\n## nor a question\n```\n\n"
        "- [x] The one in the code\n- [ ] None\n"
    )
    [question] = data(text)["questions"]
    assert "<code>- [x] not an option\n## nor a question\n</code>" in question["html"]
    assert len(question["options"]) == 2


def test_option_text_that_looks_like_a_block_stays_text() -> None:
    assert render_inline("1. First", language="en", links=LINKS) == "1. First"
    assert render_inline("# hash", language="en", links=LINKS) == "# hash"
    assert render_inline("> not a quote", language="en", links=LINKS) == "&gt; not a quote"
    assert render_inline("- dash", language="en", links=LINKS) == "- dash"
    assert render_inline("*stress*", language="en", links=LINKS) == "<em>stress</em>"


def test_option_html_is_sanitised() -> None:
    text = (
        "## Q <script>alert(1)</script>?\n\n"
        '- [x] <a href="javascript:alert(1)" onclick="x()">link</a>\n'
        "- [ ] <img src=x onerror=alert(1)>\n"
    )
    [question] = data(text)["questions"]
    assert "<script" not in question["html"] and "alert" not in question["html"]
    first, second = (o["html"] for o in question["options"])
    assert "javascript" not in first and "onclick" not in first
    assert "onerror" not in second


# --- checks -----------------------------------------------------------------------------------

GOOD = """\
---
draw: 2
---

## First question?

- [ ] Wrong
- [x] Right

## Second question?

- [x] One
- [x] Two
- [ ] Three
"""
MANY = "\n".join(f"- [{'x' if n == 0 else ' '}] Option {n}" for n in range(27))

BROKEN = [
    ("no correct option", GOOD.replace("- [x] Right", "- [ ] Right"), 5, "no correct option"),
    (
        "true/false with both marked",
        GOOD.replace("- [ ] Wrong\n- [x] Right", "- [x] True\n- [x] False"),
        5,
        "a true/false question has both options marked correct",
    ),
    ("empty option", GOOD.replace("- [ ] Three", "- [ ]"), 14, "the option is empty"),
    ("empty marked option", GOOD.replace("- [x] Two", "- [x]   "), 13, "the option is empty"),
    ("one option", GOOD.replace("- [ ] Wrong\n", ""), 5, "only one option"),
    (
        "27 options",
        GOOD.replace("- [ ] Wrong\n- [x] Right", MANY),
        5,
        "the question has 27 options; at most 26 are allowed",
    ),
    (
        "duplicate question",
        GOOD.replace("## Second question?", "##   FIRST  question? "),
        10,
        "the question on line 10 repeats the question on line 5",
    ),
    (
        "text between options",
        GOOD.replace("- [x] Two", "- [x] Two\nA stray remark.\nAnd more."),
        14,
        "text after the options must be another option",
    ),
    (
        "text after the feedback",
        GOOD + "\n> Feedback.\nA trailing paragraph.\n",
        17,
        "text after the options must be another option",
    ),
    (
        "option after the question feedback",
        GOOD.replace("- [x] Right", "> Feedback too early.\n- [x] Right"),
        9,
        "an option after the question's feedback",
    ),
    ("bad option box", GOOD.replace("- [ ] Three", "- [] Three"), 14, "write an option as"),
    (
        "draw above the count",
        GOOD.replace("draw: 2", "draw: 3"),
        2,
        "`draw` is 3 but the quiz has only 2",
    ),
    ("draw below one", GOOD.replace("draw: 2", "draw: 0"), 2, "`draw` must be at least 1, not 0"),
    ("draw not a number", GOOD.replace("draw: 2", "draw: all"), 2, "`draw` must be a whole number"),
    (
        "unknown setting",
        GOOD.replace("draw: 2", "draw: 2\nrandomise: true"),
        3,
        "unknown quiz setting `randomise`",
    ),
    (
        "pass mark above 100",
        GOOD.replace("draw: 2", "pass_mark: 101"),
        2,
        "`pass_mark` must be between 0 and 100, not 101",
    ),
    (
        "max attempts zero",
        GOOD.replace("draw: 2", "max_attempts: 0"),
        2,
        "`max_attempts` must be at least 1",
    ),
    (
        "retry negative",
        GOOD.replace("draw: 2", "retry_after_minutes: -5"),
        2,
        "`retry_after_minutes` must be at least 0, not -5",
    ),
    (
        "shuffle not boolean",
        GOOD.replace("draw: 2", "shuffle: sometimes"),
        2,
        "`shuffle` must be true or false",
    ),
    (
        "partial credit not boolean",
        GOOD.replace("draw: 2", "partial_credit: 1"),
        2,
        "`partial_credit` must be true or false",
    ),
    (
        "heading without options",
        GOOD.replace(
            "## Second question?",
            "## A question with no options\n\nJust text.\n\n## Second question?",
        ),
        10,
        "the question has no options",
    ),
    (
        "last heading without options",
        GOOD + "\n## Forgotten?\n\n> Only feedback.\n",
        16,
        "the question has no options",
    ),
    ("empty heading", GOOD.replace("## Second question?", "##"), 10, "the question is empty"),
    (
        "text before the first question",
        GOOD.replace("## First question?", "Read carefully.\n\n## First question?"),
        5,
        "text before the first question",
    ),
    ("no questions", "---\ndraw: 2\n---\n\n# Quiz\n", 4, "the quiz has no questions"),
]


@pytest.mark.parametrize(
    ("text", "line", "words"), [pytest.param(t, n, w, id=name) for name, t, n, w in BROKEN]
)
def test_broken_quiz_is_reported_with_file_and_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    root = copy_tree(tmp_path)
    write(root, f"{SECOND}/quiz.md", text)

    found = [str(p) for p in check_tree(root)]

    expected = f"{root / SECOND / 'quiz.md'}:{line}: "
    assert any(p.startswith(expected) and words in p for p in found), found


def test_the_valid_base_quiz_has_no_problems(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    write(root, f"{SECOND}/quiz.md", GOOD)
    assert check_tree(root) == []


def test_every_problem_of_a_quiz_is_reported_not_just_the_first(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    text = (
        "---\npass_mark: 120\n---\n\n"
        "## No right answer?\n\n- [ ] a\n- [ ] b\n\n"
        "## Lonely?\n\n- [x] a\n\n"
        "## No right answer?\n\n- [x] a\n- [ ]\n"
    )
    write(root, f"{SECOND}/quiz.md", text)

    found = [(p.line, p.message.split(":")[0]) for p in check_tree(root)]

    assert found == [
        (2, "`pass_mark` must be between 0 and 100, not 120"),
        (5, "the question has no correct option"),
        (10, "the question has only one option"),
        (14, "the question on line 14 repeats the question on line 5"),
        (17, "the option is empty"),
    ]


def test_an_image_in_a_quiz_must_exist(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    write(
        root,
        f"{SECOND}/quiz.md",
        GOOD.replace("## First question?", "## First question?\n\n![x](media/none.png)"),
    )
    [found] = check_tree(root)
    assert (Path(found.path).name, found.line) == ("quiz.md", 7)
    assert "image media/none.png does not exist" in found.message


# --- translations -----------------------------------------------------------------------------


def _problems(root: Path) -> list[tuple[str, int, str]]:
    return [
        (Path(p.path).relative_to(root).as_posix(), p.line, p.message) for p in check_tree(root)
    ]


def test_missing_translated_quiz_is_reported(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    (root / KO / "quiz.md").unlink()
    [(path, line, message)] = _problems(root)
    assert (path, line) == (f"{KO}/quiz.md", 0)
    assert message.startswith("quiz.md is missing: English version 1, which this translates, has")


def test_translated_quiz_without_an_english_one_is_reported(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    (root / EN / "quiz.md").unlink()
    found = _problems(root)
    assert [(path, line) for path, line, _ in found] == [(f"{KO}/quiz.md", 0), (f"{ZH}/quiz.md", 0)]
    assert "has no quiz" in found[0][2]


def test_translation_with_a_question_too_few_names_its_last_question(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    text = (root / KO / "quiz.md").read_text(encoding="utf-8")
    write(root, f"{KO}/quiz.md", text[: text.index("## 다음 중")])
    [(path, line, message)] = _problems(root)
    assert (path, line) == (f"{KO}/quiz.md", 5)
    assert message.startswith("the quiz has 1 questions but English version 1")


def test_translation_with_an_extra_question_names_it(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    with (root / ZH / "quiz.md").open("a", encoding="utf-8") as quiz:
        quiz.write("\n## 多出来的问题？\n\n- [x] 是\n- [ ] 否\n")
    [(path, line, message)] = _problems(root)
    assert (path, line) == (f"{ZH}/quiz.md", 20)
    assert "has 3 questions but English version 1, which this translates, has 2" in message


def test_translation_with_another_right_option_names_the_question(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    edit(
        root,
        f"{KO}/quiz.md",
        "- [ ] 채무 속박\n- [x] 신분증명서",
        "- [x] 채무 속박\n- [ ] 신분증명서",
    )
    [(path, line, message)] = _problems(root)
    assert (path, line) == (f"{KO}/quiz.md", 5)
    assert message.startswith(
        "question 1 has the options [x] [ ] [ ] but in English version 1 it has [ ] [x] [ ]"
    )


def test_translation_with_a_missing_option_names_the_question(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    edit(root, f"{ZH}/quiz.md", "- [ ] 跨越国境\n", "")
    [(path, line, message)] = _problems(root)
    assert (path, line) == (f"{ZH}/quiz.md", 13)
    assert "[x] [x] [x] but in English version 1 it has [x] [x] [x] [ ]" in message


def test_translation_behind_english_is_not_compared_question_by_question(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    edit(root, f"{EN}/module.md", "version: 1", "version: 2")
    with (root / EN / "quiz.md").open("a", encoding="utf-8") as quiz:
        quiz.write("\n## A new question?\n\n- [x] Yes\n- [ ] No\n")
    assert check_tree(root) == []


def test_broken_english_quiz_is_not_compared_with_translations(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    edit(root, f"{EN}/quiz.md", "- [ ] Normal employment practice\n", "- [ ] \n")
    assert [(path, line) for path, line, _ in _problems(root)] == [(f"{EN}/quiz.md", 9)]


# --- storing ----------------------------------------------------------------------------------


def _stored(session: Session, language: str = "en") -> ModuleVersion:
    return session.scalars(
        select(ModuleVersion).filter_by(module_id="sample-module", language=language)
    ).one()


def test_import_stores_the_parsed_quiz(session: Session) -> None:
    report = import_tree(session, FIXTURE_TREE)
    assert report.problems == []

    en = _stored(session)
    quiz = en.quiz_data
    assert quiz is not None
    assert {k: v for k, v in quiz.items() if k != "questions"} == {
        "draw": None,
        "shuffle": True,
        "partial_credit": False,
        "pass_mark": 75,
        "max_attempts": 3,
        "retry_after_minutes": None,
    }
    first, second = quiz["questions"]
    assert (first["id"], first["kind"], first["line"]) == ("1", "single", 5)
    assert first["html"].startswith("<p>A woman at the shelter says her employer")
    assert [o["correct"] for o in first["options"]] == [False, True, False]
    assert first["feedback_html"] == (
        "<p>Withholding identity documents is one of the ILO indicators of forced labour.</p>"
    )
    assert (second["kind"], [o["id"] for o in second["options"]]) == (
        "multiple",
        ["a", "b", "c", "d"],
    )
    assert en.quiz_source is not None and en.quiz_source.startswith("---\nshuffle: true")

    zh = _stored(session, "zh")
    assert zh.quiz_data is not None
    assert zh.quiz_data["pass_mark"] == 80  # zh module.md sets none
    assert (
        zh.quiz_data["questions"][0]["options"][1]["html"] == "扣留身份证件，这是人口贩运的一项指标"
    )
    assert _stored(session, "ko").quiz_data is not None


def test_quiz_settings_fill_the_module_version_columns(session: Session, tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    edit(root, f"{EN}/quiz.md", "shuffle: true", "shuffle: true\npass_mark: 60\nmax_attempts: 5")

    assert import_tree(session, root).problems == []

    en = _stored(session)
    assert (en.pass_mark, en.max_attempts) == (60, 5)
    assert en.quiz_data is not None
    assert (en.quiz_data["pass_mark"], en.quiz_data["max_attempts"]) == (60, 5)


def test_module_without_a_quiz_stores_none(session: Session) -> None:
    import_tree(session, FIXTURE_TREE)
    second = session.scalars(select(ModuleVersion).filter_by(module_id="second-module")).one()
    assert (second.quiz_source, second.quiz_data) == (None, None)


def test_module_with_a_broken_quiz_stores_nothing(session: Session, tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    edit(root, f"{ZH}/quiz.md", "- [x] 剥削目的", "- [ ] 剥削目的")

    report = import_tree(session, root)

    assert report.refused == ["sample-module"]
    assert [(Path(p.path).name, p.line) for p in report.problems] == [("quiz.md", 13)]
    ids = session.scalars(select(ModuleVersion.module_id)).all()
    assert "sample-module" not in ids
