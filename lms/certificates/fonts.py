"""Fonts for certificate PDFs: Noto CJK for Latin, Hangul and Hanzi, subset per certificate.

Noto Sans/Serif CJK (Debian ``fonts-noto-cjk``) hold Latin, Hangul and Han characters in one
font, with CFF outlines. WeasyPrint subsets the fonts it embeds but keeps glyph ids, and Hangul
sits near glyph 50,000 of 65,535, so a Korean certificate would carry ~125 KB per font of empty
glyph slots. So each certificate's text is first subset here with HarfBuzz (about 1 ms), into a
small font whose glyphs are numbered from 1, which the PDF then embeds through ``@font-face``.

The fonts are found with fontconfig (``fc-match``) and parsed once per process, at first use.
Characters no CJK font has (Arabic, Hebrew, emoji) fall back to other installed fonts (DejaVu
Sans from Debian covers Arabic, Hebrew and some emoji; ``fonts-symbola`` adds most emoji).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import uharfbuzz as hb

log = logging.getLogger(__name__)

# The font of each face of the Noto CJK collections is chosen by region: Han characters are
# drawn the Korean way in KR and the mainland Chinese way in SC.
REGIONS = {"ko": "KR", "zh": "SC"}
FAMILIES = {"sans": "Noto Sans CJK", "serif": "Noto Serif CJK"}
# Fonts that PDF rendering may fall back to for characters the CJK fonts lack (if installed).
FALLBACK_FAMILIES = ("DejaVu Sans", "Noto Sans Arabic", "Noto Sans Hebrew", "Symbola")
FALLBACK_CSS_FAMILIES = ("DejaVu Sans", "Symbola", "Noto Color Emoji")


@dataclass(frozen=True)
class FontFile:
    """A face in a font file (``index`` picks the face in a .ttc collection)."""

    path: str
    index: int
    family: str


def locate(pattern: str) -> FontFile | None:
    """The installed font fontconfig picks for ``pattern``, if its family is the one asked for."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        result = subprocess.run(  # noqa: S603 - a fixed program and our own pattern
            [fc_match, "-f", "%{file}|%{index}|%{family[0]}", pattern],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    path, _sep, rest = result.stdout.partition("|")
    index, _sep, family = rest.partition("|")
    wanted = pattern.split(":")[0]
    if not path or not family.startswith(wanted):
        return None  # fontconfig substituted another family: the font is not installed
    return FontFile(path=path, index=int(index or 0), family=family)


class FontLibrary:
    """HarfBuzz faces of the certificate fonts, parsed once and shared by every request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faces: dict[tuple[str, str, bool], hb.Face | None] = {}
        self._fallback: frozenset[int] | None = None

    def face(self, style: str, region: str, bold: bool) -> hb.Face | None:
        """The Noto CJK face for ``style`` (sans or serif) and ``region``; None if missing."""
        key = (style, region, bold)
        with self._lock:
            if key not in self._faces:
                pattern = f"{FAMILIES[style]} {region}:weight={'bold' if bold else 'regular'}"
                found = locate(pattern)
                if found is None:
                    log.warning(
                        "Font %r not found: certificates fall back to other fonts "
                        "(install Debian's fonts-noto-cjk).",
                        pattern,
                    )
                    self._faces[key] = None
                else:
                    blob = hb.Blob.from_file_path(found.path)
                    self._faces[key] = hb.Face(blob, found.index)
            return self._faces[key]

    def fallback_coverage(self) -> frozenset[int]:
        """Code points that the installed fallback fonts can draw."""
        with self._lock:
            if self._fallback is None:
                covered: set[int] = set()
                for family in FALLBACK_FAMILIES:
                    found = locate(family)
                    if found is not None:
                        face = hb.Face(hb.Blob.from_file_path(found.path), found.index)
                        covered.update(face.unicodes)
                self._fallback = frozenset(covered)
            return self._fallback


LIBRARY = FontLibrary()


def _is_hangul(char: str) -> bool:
    return (
        "\uac00" <= char <= "\ud7a3" or "\u1100" <= char <= "\u11ff" or "\u3130" <= char <= "\u318f"
    )


def region_for(language: str, texts: Iterable[str]) -> str:
    """The Noto CJK region for a certificate: its language's, or KR when it shows Hangul."""
    if language in REGIONS:
        return REGIONS[language]
    if any(
        "\uac00" <= char <= "\ud7a3" or "\u1100" <= char <= "\u11ff" for t in texts for char in t
    ):
        return "KR"
    return "SC"


def subset(face: hb.Face, text: str) -> bytes:
    """A font with only the glyphs ``text`` needs (and the shaping rules between them)."""
    request = hb.SubsetInput()
    codepoints = request.unicode_set
    for char in set(text):
        codepoints.add(ord(char))
    request.flags = hb.SubsetFlags.DESUBROUTINIZE | hb.SubsetFlags.NO_HINTING
    return bytes(hb.subset(face, request).blob.data)


def missing_characters(face: hb.Face | None, text: str) -> list[str]:
    """Visible characters of ``text`` that neither ``face`` nor a fallback font can draw."""
    own = face.unicodes if face is not None else ()
    fallback = LIBRARY.fallback_coverage()
    missing = []
    for char in dict.fromkeys(text):
        if unicodedata.category(char)[0] in "ZC" or char in "\ufe0f\u200d":
            continue  # spaces, controls, joiners and variation selectors draw nothing
        point = ord(char)
        if point not in own and point not in fallback:
            missing.append(char)
    return missing
