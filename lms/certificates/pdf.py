"""Certificate PDFs: HTML and CSS laid out by WeasyPrint, fonts subset per certificate.

WeasyPrint was chosen by measuring (docs/performance.md): it shapes Hangul, Hanzi, Arabic and
Hebrew with Pango and HarfBuzz, falls back per character to any installed font, and reads CFF
fonts such as Noto CJK (ReportLab cannot; fpdf2 took 650-1100 ms per PDF with them).
Call ``render_pdf`` inside an application context: labels are translated with Flask-Babel.
"""

from __future__ import annotations

import html as html_entities
import io
import logging
import re
import threading
import unicodedata
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import segno
from flask import render_template
from flask_babel import force_locale, format_date

from lms.certificates import fonts
from lms.certificates.codes import format_code

if TYPE_CHECKING:
    from weasyprint import CSS

log = logging.getLogger(__name__)
STYLESHEET = Path(__file__).with_name("certificate.css")
SCHEME = "certificate"  # URLs of the in-memory resources of one PDF
QR_URL = f"{SCHEME}:qr.svg"
_css_lock = threading.Lock()


@dataclass(frozen=True)
class Signature:
    """Who issues and signs certificates (``LMS_CERT_ISSUER`` and friends)."""

    issuer: str = ""
    signatory_name: str = ""
    signatory_title: str = ""

    @classmethod
    def from_config(cls, config: Any) -> Signature:
        """The signature block as configured for this deployment."""
        return cls(
            issuer=str(config.get("CERT_ISSUER") or "").strip(),
            signatory_name=str(config.get("CERT_SIGNATORY_NAME") or "").strip(),
            signatory_title=str(config.get("CERT_SIGNATORY_TITLE") or "").strip(),
        )


@dataclass(frozen=True)
class CertificateContent:
    """What one PDF shows, in ``language`` (labels, date format and title language)."""

    holder_name: str
    module_title: str
    module_version: int
    duration_minutes: int
    completed_at: datetime
    expires_at: datetime | None
    organisation: str
    code: str  # canonical form
    verify_url: str  # absolute URL of the verification page, for the QR code
    language: str


def direction(text: str) -> str:
    """``rtl`` when the first strongly directional character is right-to-left, else ``ltr``."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def display_width(text: str) -> int:
    """Width in half-width units: Hangul and Hanzi count double."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def size_class(text: str, limits: tuple[int, int, int, int]) -> str:
    """``xl`` to ``xs``: long names and titles get smaller type so they fit in two lines."""
    width = display_width(text)
    for name, limit in zip(("xl", "l", "m", "s"), limits, strict=True):
        if width <= limit:
            return name
    return "xs"


def qr_svg(url: str) -> bytes:
    """The QR code of ``url`` as SVG (vector: sharp at any print size)."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="svg", border=0, dark="#12345a")
    return buffer.getvalue()


@cache
def _stylesheet() -> CSS:
    from weasyprint import CSS  # imported on first use: it loads Pango

    return CSS(string=STYLESHEET.read_text(encoding="utf-8"))


def _shared_stylesheet() -> CSS:
    with _css_lock:  # parse once per process, even when the first requests arrive together
        return _stylesheet()


_TAG = re.compile(r"<[^>]*>")


def visible_text(html: str) -> str:
    """The characters an HTML document shows: its text without tags, entities decoded."""
    return html_entities.unescape(_TAG.sub(" ", html))


def _font_faces(language: str, text: str) -> tuple[str, dict[str, bytes]]:
    """@font-face rules for subsets of Noto CJK Sans and Serif holding every character used,
    and the subsets by URL."""
    region = fonts.region_for(language, [text])
    rules = []
    files = {}
    for style, family in (("sans", "Certificate Sans"), ("serif", "Certificate Serif")):
        for bold in (False, True):
            face = fonts.LIBRARY.face(style, region, bold)
            if face is None:
                continue
            weight = 700 if bold else 400
            url = f"{SCHEME}:font/{style}-{weight}.otf"
            files[url] = fonts.subset(face, text)
            rules.append(
                f'@font-face {{ font-family: "{family}"; font-weight: {weight}; src: url({url}); }}'
            )
    missing = fonts.missing_characters(fonts.LIBRARY.face("sans", region, False), text)
    if missing:
        log.warning(
            "No installed font can draw %s on a certificate; install fonts-symbola for emoji.",
            " ".join(f"U+{ord(c):04X}" for c in missing),
        )
    return "\n".join(rules), files


def render_html(content: CertificateContent, signature: Signature) -> str:
    """The certificate as HTML, labels in ``content.language`` (needs an app context)."""
    with force_locale(content.language):
        document = {
            **asdict(content),
            "completed_on": format_date(content.completed_at, "long"),
            "expires_on": format_date(content.expires_at, "long") if content.expires_at else "",
            "qr_url": QR_URL,
            "formatted_code": format_code(content.code),
            "name_size": size_class(content.holder_name, (26, 44, 70, 130)),
            "title_size": size_class(content.module_title, (50, 80, 110, 160)),
            "name_direction": direction(content.holder_name),
            "title_direction": direction(content.module_title),
            "organisation_direction": direction(content.organisation),
            "signatory_direction": direction(signature.signatory_name),
        }
        return render_template("certificates/pdf.html", doc=document, signature=signature)


def render_pdf(content: CertificateContent, signature: Signature) -> bytes:
    """The certificate as a one-page A4 landscape PDF (needs an app context)."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    html = render_html(content, signature)
    # The stylesheet adds "·" between facts and upper-cases the issuer: their glyphs too.
    text = visible_text(html)
    text += text.upper() + "·"
    rules, files = _font_faces(content.language, text)
    files[QR_URL] = qr_svg(content.verify_url)
    fetcher = _fetcher_class()(files)
    font_config = FontConfiguration()  # per PDF: it holds this certificate's font subsets
    faces = CSS(string=rules, font_config=font_config, url_fetcher=fetcher)
    pdf: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf(
        stylesheets=[_shared_stylesheet(), faces], font_config=font_config
    )
    return pdf


@cache
def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class MemoryFetcher(URLFetcher):
        """Serves this certificate's fonts and QR code from memory and fetches nothing else:
        a name or title can never make the renderer read a file or call a server."""

        def __init__(self, files: dict[str, bytes]) -> None:
            super().__init__(allowed_protocols=(SCHEME,), fail_on_errors=True)
            self.files = files

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if url not in self.files:
                raise ValueError(f"certificate PDFs fetch nothing: {url[:80]}")
            kind = "image/svg+xml" if url.endswith(".svg") else "font/otf"
            return URLFetcherResponse(url, self.files[url], {"Content-Type": kind})

    return MemoryFetcher
