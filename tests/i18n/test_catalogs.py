"""Every interface string is translated into Korean and Chinese, and the catalogs are current."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from lms.i18n.cli import POT, TRANSLATIONS, extract

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _read_po(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _ids(catalog: Catalog) -> set[str]:
    return {str(m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}


def test_template_matches_a_fresh_extract(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    extract(str(fresh))
    assert _ids(_read_po(fresh)) == _ids(_read_po(POT)), (
        "messages.pot is stale: run `lms i18n update`, translate, then `lms i18n compile`"
    )


@pytest.mark.parametrize("language", ["ko", "zh"])
def test_every_message_is_translated_and_not_fuzzy(language: str) -> None:
    template = _read_po(POT)
    catalog = _read_po(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")
    missing = []
    for message in template:
        if not message.id:
            continue
        entry = catalog.get(message.id)
        strings = (
            [entry.string]
            if entry is not None and isinstance(entry.string, str)
            else list(entry.string)
            if entry is not None
            else []
        )
        if entry is None or entry.fuzzy or not strings or not all(strings):
            missing.append(message.id)
    assert missing == []


@pytest.mark.parametrize("language", ["ko", "zh"])
def test_placeholders_match_between_english_and_translation(language: str) -> None:
    catalog = _read_po(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")
    wrong = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != expected:
                wrong.append((ids[0], string))
    assert wrong == []


@pytest.mark.parametrize("language", ["ko", "zh"])
def test_compiled_catalog_matches_its_source(language: str) -> None:
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with (folder / "messages.mo").open("rb") as handle:
        compiled = read_mo(handle)
    source = _read_po(folder / "messages.po")

    def entries(catalog: Catalog, skip_fuzzy: bool) -> dict[object, object]:
        # Plural entries hold lists: compare them as tuples.
        as_key = lambda v: tuple(v) if isinstance(v, list | tuple) else v  # noqa: E731
        return {
            as_key(m.id): as_key(m.string) for m in catalog if m.id and not (skip_fuzzy and m.fuzzy)
        }

    assert entries(compiled, False) == entries(source, True), "run `lms i18n compile`"
