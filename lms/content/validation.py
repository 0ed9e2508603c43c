"""Check a whole module tree: every folder, every language, and how they relate."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _

from lms.config import LANGUAGES
from lms.content.parser import QUIZ_FILE, ParsedModule, parse_module
from lms.content.problems import Problem, problem
from lms.content.quiz_checks import check_translation

SOURCE_LANGUAGE = "en"


@dataclass
class TreeScan:
    """Every module folder found under a root, grouped by module id, and every problem."""

    root: Path
    modules: dict[str, dict[str, ParsedModule]] = field(default_factory=dict)  # id -> lang -> m
    other_problems: list[Problem] = field(default_factory=list)  # not inside one module
    blocked: set[str] = field(default_factory=set)  # ids of modules that must not be imported

    @property
    def problems(self) -> list[Problem]:
        found = list(self.other_problems)
        for languages in self.modules.values():
            for module in languages.values():
                found.extend(module.problems)
        return sorted(set(found))

    def problems_of(self, module_id: str) -> list[Problem]:
        return sorted(p for m in self.modules.get(module_id, {}).values() for p in m.problems)

    def counts(self) -> tuple[int, int, int]:
        """(modules, language versions, lessons)."""
        folders = [m for languages in self.modules.values() for m in languages.values()]
        return len(self.modules), len(folders), sum(len(m.lessons) for m in folders)


def check_tree(root: Path) -> list[Problem]:
    """Every problem in the module tree under ``root`` (empty when it can be imported)."""
    return scan_tree(root).problems


def scan_tree(root: Path) -> TreeScan:
    """Parse every module folder under ``root`` and run the checks that span folders."""
    scan = TreeScan(root=root)
    if not root.is_dir():
        scan.other_problems.append(
            problem(root, 0, _("the modules folder does not exist or is not a folder"))
        )
        return scan
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir():
            continue  # a README or licence beside the language folders is fine
        if entry.name not in LANGUAGES:
            scan.other_problems.append(
                problem(
                    entry,
                    0,
                    _(
                        "unknown language folder %(name)s: use %(languages)s",
                        name=entry.name,
                        languages=", ".join(LANGUAGES),
                    ),
                )
            )
            continue
        for folder in sorted(entry.iterdir()):
            if folder.name.startswith("."):
                continue
            if not folder.is_dir():
                scan.other_problems.append(
                    problem(
                        folder,
                        0,
                        _("only module folders belong in a language folder; move this file"),
                    )
                )
                continue
            module = parse_module(folder, entry.name)
            scan.modules.setdefault(folder.name, {})[entry.name] = module
    _check_duplicate_ids(scan)
    _check_translations(scan)
    _check_prerequisites(scan)
    for module_id, languages in scan.modules.items():
        if any(m.problems for m in languages.values()):
            scan.blocked.add(module_id)
    return scan


def _check_duplicate_ids(scan: TreeScan) -> None:
    """Two folders of one language may not claim the same ``id``."""
    for language in LANGUAGES:
        claimed: dict[str, ParsedModule] = {}
        for module_id in sorted(scan.modules):
            module = scan.modules[module_id].get(language)
            if module is None or "id" not in module.meta:
                continue
            claim = module.meta["id"]
            first = claimed.get(claim)
            if first is None:
                claimed[claim] = module
                continue
            # Whichever folder is "right" is unclear: import neither of them.
            message = _(
                "`id` %(id)s is already claimed by %(other)s",
                id=claim,
                other=str(first.module_file),
            )
            module.add(module.module_file, module.front.line_of("id"), message)
            first.add(
                first.module_file,
                first.front.line_of("id"),
                _(
                    "`id` %(id)s is also claimed by %(other)s",
                    id=claim,
                    other=str(module.module_file),
                ),
            )


def _check_translations(scan: TreeScan) -> None:
    """source_version rules, and lessons that match the English ones when up to date."""
    for module_id, languages in scan.modules.items():
        english = languages.get(SOURCE_LANGUAGE)
        if english is not None and "source_version" in english.front.data:
            english.add(
                english.module_file,
                english.front.line_of("source_version"),
                _("`source_version` is only for translations; remove it from the English module"),
            )
        for language, module in languages.items():
            if language == SOURCE_LANGUAGE or not module.meta:
                continue  # an unreadable module.md has been reported already
            where = module.module_file
            if english is None:
                module.add(
                    where,
                    module.front.line_of("id"),
                    _(
                        "translation of a module that does not exist in English: "
                        "add %(path)s first",
                        path=str(scan.root / SOURCE_LANGUAGE / module_id),
                    ),
                )
                continue
            if "source_version" not in module.front.data:
                module.add(
                    where,
                    1,
                    _(
                        "missing required key `source_version`: the English version this "
                        "translation was made from"
                    ),
                )
                continue
            source_version = module.meta.get("source_version")
            english_version = english.version
            if source_version is None or english_version is None:
                continue  # already reported as a problem of its own
            if source_version > english_version:
                module.add(
                    where,
                    module.front.line_of("source_version"),
                    _(
                        "`source_version` is %(source)s but the English module is only at "
                        "version %(english)s",
                        source=source_version,
                        english=english_version,
                    ),
                )
            elif source_version == english_version:
                if module.lesson_files != english.lesson_files:
                    module.add(
                        where,
                        module.front.line_of("source_version"),
                        _describe_lesson_difference(module, english, english_version),
                    )
                _check_quiz_translation(module, english, english_version)


def _describe_lesson_difference(
    module: ParsedModule, english: ParsedModule, english_version: int
) -> str:
    missing = [key for key in english.lesson_files if key not in module.lesson_files]
    extra = [key for key in module.lesson_files if key not in english.lesson_files]
    return _(
        "the lessons differ from English version %(version)s, which this translates: "
        "missing %(missing)s; not in English %(extra)s (lesson file names must be the same "
        "in every language)",
        version=english_version,
        missing=", ".join(missing) or "-",
        extra=", ".join(extra) or "-",
    )


def _check_quiz_translation(
    module: ParsedModule, english: ParsedModule, english_version: int
) -> None:
    """A current translation has a quiz exactly when English does, question for question."""
    ours, theirs = module.path / QUIZ_FILE, english.path / QUIZ_FILE
    if theirs.is_file() and not ours.is_file():
        module.add(
            ours,
            0,
            _(
                "quiz.md is missing: English version %(version)s, which this translates, "
                "has a quiz",
                version=english_version,
            ),
        )
    elif ours.is_file() and not theirs.is_file():
        module.add(
            ours,
            0,
            _(
                "English version %(version)s, which this translates, has no quiz: remove "
                "this quiz.md or add the quiz in English first",
                version=english_version,
            ),
        )
    elif module.quiz is not None and english.quiz is not None:
        # Against a broken English quiz the comparison would only add noise.
        if not any(p.path == str(theirs) for p in english.problems):
            module.problems.extend(
                check_translation(english.quiz, module.quiz, ours, english_version)
            )


def _check_prerequisites(scan: TreeScan) -> None:
    """Prerequisites name modules of the tree, not the module itself, and form no cycle."""
    known = set(scan.modules)
    graph: dict[str, list[str]] = defaultdict(list)
    for module_id, languages in scan.modules.items():
        for language, module in languages.items():
            lines = module.front.item_lines.get("prerequisites", [])
            for index, wanted in enumerate(module.meta.get("prerequisites", [])):
                line = lines[index] if index < len(lines) else module.front.line_of("prerequisites")
                if wanted == module_id:
                    module.add(
                        module.module_file, line, _("a module cannot be its own prerequisite")
                    )
                elif wanted not in known:
                    module.add(
                        module.module_file,
                        line,
                        _("prerequisite %(id)s names no module in this tree", id=wanted),
                    )
                elif language == SOURCE_LANGUAGE:
                    graph[module_id].append(wanted)
    for cycle in _cycles(graph):
        english = scan.modules[cycle[0]][SOURCE_LANGUAGE]
        english.add(
            english.module_file,
            english.front.line_of("prerequisites"),
            _("prerequisites form a cycle: %(cycle)s", cycle=" → ".join(cycle + [cycle[0]])),
        )
        for module_id in cycle[1:]:
            scan.blocked.add(module_id)


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each prerequisite cycle once, starting at its alphabetically first module."""
    found: dict[tuple[str, ...], list[str]] = {}

    def visit(node: str, path: list[str]) -> None:
        for nxt in graph.get(node, []):
            if nxt in path:
                cycle = path[path.index(nxt) :]
                start = cycle.index(min(cycle))
                ordered = cycle[start:] + cycle[:start]
                found.setdefault(tuple(ordered), ordered)
            else:
                visit(nxt, [*path, nxt])

    for node in sorted(graph):
        visit(node, [node])
    return list(found.values())
