"""check_tree: a valid tree passes; every kind of broken file is reported with its file and line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from lms.content.problems import Problem
from lms.content.validation import check_tree, scan_tree
from tests.content.helpers import FIXTURE_TREE, copy_tree, edit, write

EN = "en/sample-module"
KO = "ko/sample-module"
ZH = "zh/sample-module"
SECOND = "en/second-module"


def test_fixture_tree_has_no_problems() -> None:
    assert check_tree(FIXTURE_TREE) == []


def test_scan_counts_modules_languages_and_lessons() -> None:
    assert scan_tree(FIXTURE_TREE).counts() == (2, 4, 7)


def test_problem_reads_like_a_compiler_error() -> None:
    assert str(Problem("modules/en/x/module.md", 3, "bad")) == "modules/en/x/module.md:3: bad"


def test_paths_stay_relative_to_the_directory_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_tree(tmp_path)
    edit(root, f"{EN}/module.md", "version: 1", "version: one")
    monkeypatch.chdir(tmp_path)
    [found] = check_tree(Path("modules"))
    assert str(found).startswith("modules/en/sample-module/module.md:4: `version` must be")


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    edit(root, f"{EN}/module.md", "version: 1", "version: one")
    edit(root, f"{SECOND}/module.md", "duration_minutes: 10", "duration_minutes: 0")
    write(root, f"{EN}/notes.txt", "stray")
    found = check_tree(root)
    assert [(Path(p.path).relative_to(root).as_posix(), p.line) for p in found] == [
        (f"{EN}/module.md", 4),
        (f"{EN}/notes.txt", 0),
        (f"{SECOND}/module.md", 6),
    ]


def _utf8_break(root: Path) -> None:
    write(root, f"{EN}/01-first-steps.md", b"# First steps\n\nCaf\xe9 au lait\n")


def _rename(rel: str, new_name: str) -> Callable[[Path], None]:
    def run(root: Path) -> None:
        (root / rel).rename((root / rel).with_name(new_name))

    return run


def _translation_without_english(root: Path) -> None:
    write(
        root,
        "ko/orphan-module/module.md",
        "---\nid: orphan-module\ntitle: 고아\nversion: 1\nsource_version: 1\n"
        "summary: 요약\nduration_minutes: 5\n---\n",
    )
    write(root, "ko/orphan-module/01-a.md", "# 가\n")


def _duplicate_id(root: Path) -> None:
    write(root, "en/another-module/module.md", (root / SECOND / "module.md").read_text())
    write(root, "en/another-module/01-a.md", "# A\n")


# (what breaks, how to break the copy, file, line, words the message contains)
BROKEN: list[tuple[str, Callable[[Path], None], str, int, str]] = [
    (
        "yaml syntax",
        lambda r: edit(r, f"{EN}/module.md", "summary: A small", "summary: : A small"),
        f"{EN}/module.md",
        5,
        "invalid YAML in front matter",
    ),
    (
        "yaml unclosed list",
        lambda r: edit(r, f"{SECOND}/module.md", "[sample-module]", "[sample-module"),
        f"{SECOND}/module.md",
        7,
        "invalid YAML",
    ),
    (
        "yaml unclosed quote",
        lambda r: edit(r, f"{EN}/module.md", "title: A sample", 'title: "A sample'),
        f"{EN}/module.md",
        3,
        "invalid YAML",
    ),
    (
        "front matter never closed",
        lambda r: write(r, f"{SECOND}/module.md", "---\nid: second-module\n\nText.\n"),
        f"{SECOND}/module.md",
        1,
        "never closed",
    ),
    (
        "no front matter",
        lambda r: write(r, f"{SECOND}/module.md", "# Just a heading\n"),
        f"{SECOND}/module.md",
        1,
        "must start with YAML front matter",
    ),
    (
        "front matter not a mapping",
        lambda r: write(r, f"{SECOND}/module.md", "---\n- a\n- b\n---\n"),
        f"{SECOND}/module.md",
        2,
        "`key: value`",
    ),
    (
        "duplicate yaml key",
        lambda r: edit(r, f"{SECOND}/module.md", "version: 1\n", "version: 1\nversion: 2\n"),
        f"{SECOND}/module.md",
        5,
        "key `version` appears twice (first on line 4)",
    ),
    (
        "unknown key",
        lambda r: edit(r, f"{EN}/module.md", "pass_mark: 75", "passmark: 75"),
        f"{EN}/module.md",
        7,
        "unknown key `passmark`",
    ),
    (
        "missing key",
        lambda r: edit(r, f"{EN}/module.md", "summary: A small module used by the tests.\n", ""),
        f"{EN}/module.md",
        1,
        "missing required key `summary`",
    ),
    (
        "version not an integer",
        lambda r: edit(r, f"{EN}/module.md", "version: 1", "version: one"),
        f"{EN}/module.md",
        4,
        '`version` must be a whole number, not text ("one")',
    ),
    (
        "version zero",
        lambda r: edit(r, f"{SECOND}/module.md", "version: 1", "version: 0"),
        f"{SECOND}/module.md",
        4,
        "`version` must be at least 1",
    ),
    (
        "duration a decimal",
        lambda r: edit(r, f"{SECOND}/module.md", "duration_minutes: 10", "duration_minutes: 1.5"),
        f"{SECOND}/module.md",
        6,
        "`duration_minutes` must be a whole number, not a decimal number",
    ),
    (
        "pass mark out of range",
        lambda r: edit(r, f"{EN}/module.md", "pass_mark: 75", "pass_mark: 120"),
        f"{EN}/module.md",
        7,
        "`pass_mark` must be between 0 and 100",
    ),
    (
        "title a number",
        lambda r: edit(r, f"{SECOND}/module.md", "title: A second module", "title: 2024"),
        f"{SECOND}/module.md",
        3,
        "`title` must be text, not a whole number",
    ),
    (
        "objectives not a list",
        lambda r: edit(r, f"{EN}/module.md", "objectives:\n", "objectives: many\nx:\n"),
        f"{EN}/module.md",
        11,
        "`objectives` must be a list of text",
    ),
    (
        "id differs from folder",
        lambda r: edit(r, f"{SECOND}/module.md", "id: second-module", "id: other-module"),
        f"{SECOND}/module.md",
        2,
        "`id` is other-module but the folder is named second-module",
    ),
    (
        "duplicate id",
        _duplicate_id,
        f"{SECOND}/module.md",
        2,
        "`id` second-module is already claimed by",
    ),
    (
        "unknown language folder",
        lambda r: write(r, "fr/sample-module/module.md", "---\n---\n"),
        "fr",
        0,
        "unknown language folder fr",
    ),
    (
        "translation without source_version",
        lambda r: edit(r, f"{KO}/module.md", "source_version: 1\n", ""),
        f"{KO}/module.md",
        1,
        "missing required key `source_version`",
    ),
    (
        "source_version in English",
        lambda r: edit(r, f"{SECOND}/module.md", "version: 1\n", "version: 1\nsource_version: 1\n"),
        f"{SECOND}/module.md",
        5,
        "`source_version` is only for translations",
    ),
    (
        "translation without English",
        _translation_without_english,
        "ko/orphan-module/module.md",
        2,
        "does not exist in English",
    ),
    (
        "source_version ahead of English",
        lambda r: edit(r, f"{ZH}/module.md", "source_version: 1", "source_version: 2"),
        f"{ZH}/module.md",
        5,
        "`source_version` is 2 but the English module is only at version 1",
    ),
    (
        "translated lesson keys differ",
        _rename(f"{KO}/02-indicators.md", "02-signs.md"),
        f"{KO}/module.md",
        5,
        "missing 02-indicators; not in English 02-signs",
    ),
    (
        "lesson not utf-8",
        _utf8_break,
        f"{EN}/01-first-steps.md",
        3,
        "not UTF-8",
    ),
    (
        "empty lesson",
        lambda r: write(r, f"{ZH}/02-indicators.md", "\n  \n"),
        f"{ZH}/02-indicators.md",
        1,
        "the lesson is empty",
    ),
    (
        "lesson with only front matter",
        lambda r: write(r, f"{ZH}/02-indicators.md", "---\ntitle: 指标\n---\n"),
        f"{ZH}/02-indicators.md",
        4,
        "the lesson is empty",
    ),
    (
        "lesson without title",
        lambda r: write(r, f"{ZH}/02-indicators.md", "没有标题。\n\n## 二级标题\n"),
        f"{ZH}/02-indicators.md",
        1,
        "the lesson has no title",
    ),
    (
        "heading only inside code",
        lambda r: write(r, f"{SECOND}/01-only-lesson.md", "```\n# not a title\n```\n"),
        f"{SECOND}/01-only-lesson.md",
        1,
        "the lesson has no title",
    ),
    (
        "unknown lesson key",
        lambda r: write(r, f"{SECOND}/01-only-lesson.md", "---\ntitel: x\n---\n# T\n"),
        f"{SECOND}/01-only-lesson.md",
        2,
        "unknown key `titel`",
    ),
    (
        "missing image",
        lambda r: edit(r, f"{EN}/02-indicators.md", "media/elements.png", "media/missing.png"),
        f"{EN}/02-indicators.md",
        7,
        "image media/missing.png does not exist in the module folder",
    ),
    (
        "image outside media",
        lambda r: edit(r, f"{EN}/02-indicators.md", "media/elements.png", "quiz.md"),
        f"{EN}/02-indicators.md",
        7,
        "image quiz.md must be a file in media/",
    ),
    (
        "missing link target",
        lambda r: edit(r, f"{EN}/02-indicators.md", "01-first-steps.md#", "01-first-step.md#"),
        f"{EN}/02-indicators.md",
        9,
        "link target 01-first-step.md#first-steps does not exist",
    ),
    (
        "link escaping the module folder",
        lambda r: edit(r, f"{EN}/module.md", "(01-first-steps.md)", "(../second-module/x.md)"),
        f"{EN}/module.md",
        16,
        "link target ../second-module/x.md does not exist",
    ),
    (
        "javascript link",
        lambda r: edit(r, f"{EN}/01-first-steps.md", "https://www.ilo.org/", "javascript:x()"),
        f"{EN}/01-first-steps.md",
        12,
        "uses javascript:, which is not allowed",
    ),
    (
        "file that is not markdown",
        lambda r: write(r, f"{EN}/notes.txt", "stray"),
        f"{EN}/notes.txt",
        0,
        "only .md files belong in a module folder",
    ),
    (
        "markdown in a sub-folder",
        lambda r: write(r, f"{EN}/extra/03-more.md", "# More\n"),
        f"{EN}/extra/03-more.md",
        0,
        "only media/ may hold sub-folders",
    ),
    (
        "media not an image",
        lambda r: write(r, f"{EN}/media/handout.pdf", b"%PDF-1.4"),
        f"{EN}/media/handout.pdf",
        0,
        "media/ may only hold PNG, JPEG, GIF, WebP and SVG images (.pdf)",
    ),
    (
        "media content does not match its name",
        lambda r: write(r, f"{EN}/media/photo.jpg", b"GIF89a..."),
        f"{EN}/media/photo.jpg",
        0,
        "not a JPEG image",
    ),
    (
        "unknown prerequisite",
        lambda r: edit(r, f"{SECOND}/module.md", "[sample-module]", "[no-such-module]"),
        f"{SECOND}/module.md",
        7,
        "prerequisite no-such-module names no module",
    ),
    (
        "prerequisite cycle",
        lambda r: edit(r, f"{EN}/module.md", "objectives:", "prerequisites: [second-module]\nobj:"),
        f"{EN}/module.md",
        11,
        "prerequisites form a cycle: sample-module → second-module → sample-module",
    ),
    (
        "module.md missing",
        lambda r: (r / SECOND / "module.md").unlink(),
        f"{SECOND}/module.md",
        0,
        "module.md is missing",
    ),
    (
        "module without lessons",
        lambda r: (r / SECOND / "01-only-lesson.md").unlink(),
        SECOND,
        0,
        "the module has no lessons",
    ),
    (
        "unknown quiz setting",
        lambda r: edit(r, f"{EN}/quiz.md", "shuffle: true", "shuffle: true\nrandom: true"),
        f"{EN}/quiz.md",
        3,
        "unknown quiz setting `random`",
    ),
    (
        "quiz yaml broken",
        lambda r: edit(r, f"{EN}/quiz.md", "shuffle: true", "shuffle: [true"),
        f"{EN}/quiz.md",
        2,
        "invalid YAML",
    ),
    (
        "quiz without questions",
        lambda r: write(r, f"{EN}/quiz.md", "# Quiz\n\nNo questions yet.\n"),
        f"{EN}/quiz.md",
        1,
        "the quiz has no questions",
    ),
]


@pytest.mark.parametrize(
    ("break_tree", "rel", "line", "words"),
    [pytest.param(b, f, n, w, id=name) for name, b, f, n, w in BROKEN],
)
def test_broken_tree_names_file_and_line(
    tmp_path: Path, break_tree: Callable[[Path], None], rel: str, line: int, words: str
) -> None:
    root = copy_tree(tmp_path)
    break_tree(root)
    found = [str(p) for p in check_tree(root)]
    expected = f"{root / rel}:{line}: "
    assert any(text.startswith(expected) and words in text for text in found), found
