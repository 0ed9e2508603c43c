"""The curriculum shipped in modules/ passes every check and imports cleanly."""

from __future__ import annotations

from lms.config import ROOT
from lms.content.validation import check_tree


def test_shipped_curriculum_has_no_problems() -> None:
    problems = check_tree(ROOT / "modules")
    assert [str(p) for p in problems] == []
