"""Build module trees for tests: a copy of the fixture tree that a test may break."""

from __future__ import annotations

import shutil
from pathlib import Path

FIXTURE_TREE = Path(__file__).resolve().parent.parent / "fixtures" / "modules"


def copy_tree(tmp_path: Path) -> Path:
    """A private copy of tests/fixtures/modules under ``tmp_path``."""
    root = tmp_path / "modules"
    shutil.copytree(FIXTURE_TREE, root)
    return root


def edit(root: Path, rel: str, old: str, new: str) -> None:
    """Replace ``old`` (which must occur) by ``new`` in the file ``rel`` of ``root``."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def write(root: Path, rel: str, content: str | bytes) -> None:
    """Create or overwrite the file ``rel`` of ``root`` (parents too)."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
