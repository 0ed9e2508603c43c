"""Links and images in a module's Markdown must point at files of the module folder."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask_babel import gettext as _

from lms.content.problems import Problem, problem
from lms.content.render import ALLOWED_SCHEMES, MEDIA_FOLDER, collect_links, module_path


def check_links(where: Path, text: str, first_line: int, files: set[str]) -> list[Problem]:
    """Problems with the links of ``text`` (from file line ``first_line`` of ``where``).

    Relative targets must be files among ``files`` (paths relative to the module folder),
    images must be in media/, and only http, https and mailto links may leave the site.
    """
    problems: list[Problem] = []
    lines = text.split("\n")
    for tag, target in collect_links(text):
        parts = urlsplit(target)
        line = _line_of(lines, target, first_line)
        if parts.scheme:
            if parts.scheme.lower() not in ALLOWED_SCHEMES:
                problems.append(
                    problem(
                        where,
                        line,
                        _(
                            "link %(target)s uses %(scheme)s:, which is not allowed "
                            "(use http, https, mailto or a relative path)",
                            target=target,
                            scheme=parts.scheme,
                        ),
                    )
                )
            continue
        if parts.netloc or not parts.path or parts.path.startswith("/"):
            continue  # another site, a fragment, or a page of this site
        rel = module_path(parts.path)
        if rel is None or rel not in files:
            if tag == "img":
                message = _("image %(target)s does not exist in the module folder", target=target)
            else:
                message = _(
                    "link target %(target)s does not exist in the module folder", target=target
                )
            problems.append(problem(where, line, message))
        elif tag == "img" and not rel.startswith(f"{MEDIA_FOLDER}/"):
            problems.append(
                problem(where, line, _("image %(target)s must be a file in media/", target=target))
            )
    return problems


def _line_of(lines: list[str], target: str, first_line: int) -> int:
    """The file line that mentions ``target`` (the first), else the first line of the text."""
    for index, line in enumerate(lines):
        if target in line:
            return first_line + index
    return first_line
