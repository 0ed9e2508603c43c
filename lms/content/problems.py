"""A problem found in a module tree, reported as ``path:line: message`` like a compiler error."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One error in one file. ``line`` is 1-based; 0 when no line applies (a folder, a file)."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def problem(path: Path | str, line: int, message: str) -> Problem:
    """A Problem whose path is shown as given (relative paths stay relative)."""
    return Problem(str(path), line, message)
