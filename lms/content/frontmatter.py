"""YAML front matter: split it from the Markdown body, parse it, and check its keys and types."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from flask_babel import gettext as _

from lms.content.problems import Problem, problem

FENCE = "---"


@dataclass
class FrontMatter:
    """A file split into its YAML data and its Markdown body, with file line numbers."""

    data: dict[str, Any] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)  # key -> 1-based file line
    item_lines: dict[str, list[int]] = field(default_factory=dict)  # list key -> line per item
    body: str = ""
    body_line: int = 1  # file line on which the body starts
    present: bool = False  # the file had a front matter block

    def line_of(self, key: str) -> int:
        """The line of ``key``, else the opening ``---`` (or 1 without front matter)."""
        return self.key_lines.get(key, 1)


@dataclass(frozen=True)
class Field:
    """What one front-matter key may hold."""

    kind: str  # "text", "integer", "boolean" or "text list"
    required: bool = False
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None


def parse_front_matter(text: str, path: Path) -> tuple[FrontMatter, list[Problem]]:
    """Split ``text`` into front matter and body; problems name the YAML error's line."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != FENCE:
        return FrontMatter(body=text, body_line=1), []
    for index in range(1, len(lines)):
        if lines[index].rstrip() in (FENCE, "..."):
            yaml_text = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            matter = FrontMatter(body=body, body_line=index + 2, present=True)
            return matter, _load_yaml(yaml_text, matter, path)
    return FrontMatter(body="", body_line=len(lines) + 1, present=True), [
        problem(path, 1, _("front matter opened with --- on line 1 is never closed with ---"))
    ]


def _load_yaml(yaml_text: str, matter: FrontMatter, path: Path) -> list[Problem]:
    # The YAML starts on file line 2, after the opening ---; marks are 0-based.
    offset = 2
    try:
        node = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(yaml_text)
    except yaml.YAMLError as error:
        reason = getattr(error, "problem", None) or str(error)
        mark = getattr(error, "problem_mark", None)
        context = getattr(error, "context_mark", None)
        if context is not None and (
            mark is None or "end of stream" in reason or "<stream end>" in reason
        ):
            mark = context  # "unclosed [ or quote": where it opened helps more than the file's end
        line = mark.line + offset if mark is not None else 1
        return [problem(path, line, _("invalid YAML in front matter: %(reason)s", reason=reason))]
    if data is None:
        return []
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        return [
            problem(path, 2, _("front matter must be a list of `key: value` lines")),
        ]
    problems: list[Problem] = []
    for key_node, value_node in node.value:
        key = str(key_node.value)
        line = key_node.start_mark.line + offset
        if key in matter.key_lines:
            problems.append(
                problem(
                    path,
                    line,
                    _(
                        "key `%(key)s` appears twice (first on line %(first)s)",
                        key=key,
                        first=matter.key_lines[key],
                    ),
                )
            )
            continue
        matter.key_lines[key] = line
        if isinstance(value_node, yaml.SequenceNode):
            matter.item_lines[key] = [item.start_mark.line + offset for item in value_node.value]
    matter.data = {str(key): value for key, value in data.items()}
    return problems


def check_fields(
    matter: FrontMatter, fields: dict[str, Field], path: Path
) -> tuple[dict[str, Any], list[Problem]]:
    """Values of known keys that have the right type, and a problem for every other key."""
    clean: dict[str, Any] = {}
    problems: list[Problem] = []
    known = ", ".join(f"`{name}`" for name in fields)
    for key, value in matter.data.items():
        line = matter.line_of(key)
        spec = fields.get(key)
        if spec is None:
            problems.append(
                problem(
                    path,
                    line,
                    _("unknown key `%(key)s` (known keys: %(known)s)", key=key, known=known),
                )
            )
            continue
        if value is None and not spec.required:
            continue  # an empty optional key means "not set"
        message = _check_value(key, value, spec)
        if message:
            problems.append(problem(path, line, message))
        else:
            clean[key] = value
    for key, spec in fields.items():
        if spec.required and key not in matter.data:
            problems.append(
                problem(path, 1, _("missing required key `%(key)s`", key=key)),
            )
    return clean, problems


def _check_value(key: str, value: Any, spec: Field) -> str | None:
    """A message when ``value`` does not fit ``spec``, else None."""
    if spec.kind == "text":
        if not isinstance(value, str):
            return _("`%(key)s` must be text, not %(actual)s", key=key, actual=describe_type(value))
        if not value.strip():
            return _("`%(key)s` must not be empty", key=key)
        if spec.max_length is not None and len(value) > spec.max_length:
            return _(
                "`%(key)s` is %(length)s characters long; the limit is %(limit)s",
                key=key,
                length=len(value),
                limit=spec.max_length,
            )
        return None
    if spec.kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return _(
                "`%(key)s` must be a whole number, not %(actual)s",
                key=key,
                actual=describe_type(value),
            )
        if spec.minimum is not None and spec.maximum is not None:
            if not spec.minimum <= value <= spec.maximum:
                return _(
                    "`%(key)s` must be between %(low)s and %(high)s, not %(value)s",
                    key=key,
                    low=spec.minimum,
                    high=spec.maximum,
                    value=value,
                )
        elif spec.minimum is not None and value < spec.minimum:
            return _(
                "`%(key)s` must be at least %(low)s, not %(value)s",
                key=key,
                low=spec.minimum,
                value=value,
            )
        return None
    if spec.kind == "boolean":
        if not isinstance(value, bool):
            return _(
                "`%(key)s` must be true or false, not %(actual)s",
                key=key,
                actual=describe_type(value),
            )
        return None
    # A list of text: YAML `[a, b]` or one `- item` per line.
    if not isinstance(value, list):
        return _(
            "`%(key)s` must be a list of text, not %(actual)s",
            key=key,
            actual=describe_type(value),
        )
    for item in value:
        if not isinstance(item, str) or not item.strip():
            return _(
                "every item of `%(key)s` must be non-empty text, not %(actual)s",
                key=key,
                actual=describe_type(item),
            )
    return None


def describe_type(value: Any) -> str:
    """How a YAML value reads to an author: ``text "three"``, ``a decimal number 1.5``."""
    if value is None:
        return _("nothing (the value is empty)")
    if isinstance(value, bool):
        return _("true/false (%(value)s)", value=str(value).lower())
    if isinstance(value, int):
        return _("a whole number (%(value)s)", value=value)
    if isinstance(value, float):
        return _("a decimal number (%(value)s)", value=value)
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return _('text ("%(value)s")', value=shown)
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("a set of `key: value` pairs")
    if isinstance(value, date):
        return _("a date (%(value)s)", value=value.isoformat())
    return type(value).__name__
