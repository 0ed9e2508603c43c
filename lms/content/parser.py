"""Read one module folder (one language) into plain data, with every problem found in it."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from lms.content.frontmatter import Field, FrontMatter, check_fields, parse_front_matter
from lms.content.links import check_links
from lms.content.media import ParsedMedia, read_media
from lms.content.problems import Problem, problem
from lms.content.quiz_format import ParsedQuiz, parse_quiz
from lms.content.render import MEDIA_FOLDER

MODULE_FILE = "module.md"
QUIZ_FILE = "quiz.md"
MODULE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
LESSON_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
ATX_H1 = re.compile(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})")

MODULE_FIELDS = {
    "id": Field("text", required=True, max_length=80),
    "title": Field("text", required=True, max_length=300),
    "version": Field("integer", required=True, minimum=1),
    "summary": Field("text", required=True),
    "duration_minutes": Field("integer", required=True, minimum=1),
    "pass_mark": Field("integer", minimum=0, maximum=100),
    "max_attempts": Field("integer", minimum=1),
    "content_note": Field("text"),
    "prerequisites": Field("text list"),
    "certificate_valid_months": Field("integer", minimum=1),
    "source_version": Field("integer", minimum=1),
    "objectives": Field("text list"),
}
LESSON_FIELDS = {"title": Field("text", max_length=300)}
DEFAULT_PASS_MARK = 80


@dataclass
class ParsedLesson:
    key: str
    title: str
    source: str  # the whole file, front matter included
    body: str  # the Markdown that is rendered
    body_line: int  # the file line on which ``body`` starts
    path: Path
    title_in_body: bool = True  # False: the title came from front matter, not a `# heading`


@dataclass
class ParsedModule:
    """One language folder of a module. ``meta`` holds only keys that passed their checks."""

    language: str
    folder: str
    path: Path
    meta: dict[str, Any] = field(default_factory=dict)
    front: FrontMatter = field(default_factory=FrontMatter)
    overview: str = ""
    lessons: list[ParsedLesson] = field(default_factory=list)
    quiz_source: str | None = None
    quiz: ParsedQuiz | None = None  # None: no quiz.md, or one that is not UTF-8
    media: list[ParsedMedia] = field(default_factory=list)
    content_hash: str = ""
    problems: list[Problem] = field(default_factory=list)
    lesson_files: list[str] = field(default_factory=list)  # keys of every lesson file, even bad

    @property
    def module_file(self) -> Path:
        return self.path / MODULE_FILE

    @property
    def version(self) -> int | None:
        value = self.meta.get("version")
        return value if isinstance(value, int) else None

    def add(self, path: Path, line: int, message: str) -> None:
        self.problems.append(problem(path, line, message))


def parse_module(path: Path, language: str) -> ParsedModule:
    """Parse ``<root>/<language>/<folder>``: front matter, lessons, quiz, media and links."""
    module = ParsedModule(language=language, folder=path.name, path=path)
    files = _list_files(path)
    module.content_hash = content_hash(path, files)

    module_file = files.get(MODULE_FILE)
    if module_file is None:
        module.add(path / MODULE_FILE, 0, _("module.md is missing: every module folder needs one"))
    else:
        _parse_module_file(module, module_file)

    texts: dict[str, tuple[str, int]] = {}  # rel -> (Markdown to check for links, first line)
    if module.overview:
        texts[MODULE_FILE] = (module.front.body, module.front.body_line)
    for rel, data in sorted(files.items()):
        where = path / rel
        if rel == MODULE_FILE:
            continue
        if rel.startswith(f"{MEDIA_FOLDER}/"):
            media = read_media(where, rel.removeprefix(f"{MEDIA_FOLDER}/"), data)
            if isinstance(media, Problem):
                module.problems.append(media)
            else:
                module.media.append(media)
        elif "/" in rel:
            module.add(where, 0, _("only media/ may hold sub-folders; move this file or remove it"))
        elif not rel.endswith(".md"):
            module.add(
                where,
                0,
                _("only .md files belong in a module folder (images go in media/)"),
            )
        elif rel == QUIZ_FILE:
            quiz = _parse_quiz(module, where, data)
            if quiz is not None:
                texts[rel] = (quiz.front.body, quiz.front.body_line)
        else:
            module.lesson_files.append(rel.removesuffix(".md"))
            lesson = _parse_lesson(module, where, data)
            if lesson is not None:
                module.lessons.append(lesson)
                texts[rel] = (lesson.body, lesson.body_line)
    if module_file is not None and not module.lesson_files:
        module.add(path, 0, _("the module has no lessons: add at least one NN-name.md file"))
    for rel, (markdown_text, first_line) in texts.items():
        module.problems.extend(check_links(path / rel, markdown_text, first_line, set(files)))
    return module


def _list_files(path: Path) -> dict[str, bytes]:
    """Every file under ``path`` by relative POSIX path; hidden files (.DS_Store) are skipped."""
    files: dict[str, bytes] = {}
    for item in sorted(path.rglob("*")):
        rel = item.relative_to(path)
        if any(part.startswith(".") for part in rel.parts) or not item.is_file():
            continue
        files[rel.as_posix()] = item.read_bytes()
    return files


def content_hash(path: Path, files: dict[str, bytes] | None = None) -> str:
    """sha256 over the folder's files: sorted relative paths and their bytes, length-prefixed."""
    files = _list_files(path) if files is None else files
    digest = hashlib.sha256()
    for rel in sorted(files):
        data = files[rel]
        name = rel.encode("utf-8")
        digest.update(len(name).to_bytes(8, "big") + name)
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def decode(module: ParsedModule, where: Path, data: bytes) -> str | None:
    """The file as text, or None with a problem on the line of the first byte that is not UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        module.add(
            where,
            line,
            _(
                "the file is not UTF-8 text (byte 0x%(byte)s at position %(pos)s): "
                "save it as UTF-8",
                byte=f"{data[error.start]:02x}",
                pos=error.start,
            ),
        )
        return None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _parse_module_file(module: ParsedModule, data: bytes) -> None:
    where = module.module_file
    text = decode(module, where, data)
    if text is None:
        return
    front, problems = parse_front_matter(text, where)
    module.front = front
    module.problems.extend(problems)
    if problems:
        return
    if not front.present:
        module.add(where, 1, _("module.md must start with YAML front matter between --- lines"))
        return
    meta, problems = check_fields(front, MODULE_FIELDS, where)
    module.problems.extend(problems)
    module.meta = meta
    module.overview = front.body.strip("\n")
    module_id = meta.get("id")
    if module_id is not None:
        if not MODULE_ID.fullmatch(module_id):
            module.add(
                where,
                front.line_of("id"),
                _(
                    "`id` %(id)s may only hold lower-case letters, digits and single hyphens",
                    id=module_id,
                ),
            )
        elif module_id != module.folder:
            module.add(
                where,
                front.line_of("id"),
                _(
                    "`id` is %(id)s but the folder is named %(folder)s: they must be the same",
                    id=module_id,
                    folder=module.folder,
                ),
            )


def _parse_lesson(module: ParsedModule, where: Path, data: bytes) -> ParsedLesson | None:
    key = where.name.removesuffix(".md")
    if not LESSON_KEY.fullmatch(key) or len(key) > 120:
        module.add(
            where,
            0,
            _(
                "lesson file names may only hold letters, digits, '.', '-' and '_' "
                "(at most 120), like 01-introduction.md"
            ),
        )
        return None
    text = decode(module, where, data)
    if text is None:
        return None
    front, problems = parse_front_matter(text, where)
    if problems:
        module.problems.extend(problems)
        return None
    meta, problems = check_fields(front, LESSON_FIELDS, where)
    module.problems.extend(problems)
    if problems:
        return None
    if not front.body.strip():
        module.add(where, front.body_line if front.present else 1, _("the lesson is empty"))
        return None
    heading = _first_heading(front.body)
    title = meta.get("title") or heading
    if not title:
        module.add(
            where,
            front.body_line,
            _("the lesson has no title: start it with a `# Heading` or a `title:` front matter"),
        )
        return None
    if len(title) > 300:
        module.add(where, front.body_line, _("the lesson title is longer than 300 characters"))
        return None
    return ParsedLesson(
        key=key,
        title=title,
        source=text,
        body=front.body,
        body_line=front.body_line,
        path=where,
        title_in_body=heading is not None,
    )


def _first_heading(body: str) -> str | None:
    """The text of the first level-1 ATX heading outside fenced code."""
    fence: str | None = None
    for line in body.split("\n"):
        marker = FENCE_LINE.match(line)
        if marker:
            token = marker.group(1)
            if fence is None:
                fence = token[0] * 3
            elif token.startswith(fence):
                fence = None
            continue
        if fence is None:
            match = ATX_H1.match(line)
            if match:
                return match.group(1).strip()
    return None


def _parse_quiz(module: ParsedModule, where: Path, data: bytes) -> ParsedQuiz | None:
    """Parse and check the quiz; keep its source, and the parsed quiz for storing."""
    text = decode(module, where, data)
    if text is None:
        return None
    quiz, problems = parse_quiz(text, where, module.language)
    module.problems.extend(problems)
    module.quiz_source = text
    module.quiz = quiz
    return quiz
