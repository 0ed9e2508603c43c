"""Markdown to sanitised HTML, once, at import. Pages only ever show the stored result."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import quote, unquote, urlsplit

import markdown
import nh3
from flask_babel import force_locale
from flask_babel import gettext as _
from markdown.extensions.toc import slugify_unicode
from markupsafe import escape

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
MEDIA_FOLDER = "media"

TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div",
        "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
        "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "s", "small", "span", "strong",
        "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title", "class"},
    "abbr": {"title"},
    "code": {"class"},
    "div": {"class"},
    "img": {"src", "alt", "title", "width", "height"},
    "li": {"id"},
    "ol": {"start"},
    "p": {"class"},
    "span": {"class"},
    "sup": {"id"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
# Classes the extensions emit; the stylesheet styles these and nothing else from content.
ALLOWED_CLASSES = frozenset(
    {
        "admonition", "admonition-title", "footnote", "footnote-ref", "footnote-backref", "toc",
        "note", "tip", "hint", "important", "warning", "caution", "attention", "danger", "error",
    }
)  # fmt: skip
CODE_CLASS = re.compile(r"language-[A-Za-z0-9_+#-]{1,40}")
# Ids the page layout uses; a heading must not take one (the skip link jumps to #main).
RESERVED_IDS = frozenset({"main", "language-select", "content"})
EXTENSIONS = ["tables", "admonition", "footnotes", "toc", "fenced_code", "sane_lists"]
# Chinese has no spaces between words: a line break inside a paragraph between two Han
# characters (or CJK punctuation) must vanish, not become a space as browsers show it.
HAN = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
HAN_LINE_BREAK = re.compile(f"(?<=[{HAN}])\n(?=[{HAN}])")
PRE_BLOCK = re.compile(r"(<pre\b.*?</pre>)", re.DOTALL)


def heading_id(value: str, separator: str) -> str:
    """Readable anchors in every script (``피해자-식별``) that never clash with the layout's ids."""
    slug = slugify_unicode(value, separator)
    return slug if slug and slug not in RESERVED_IDS else f"section-{slug}".rstrip("-")


def markdown_to_html(source: str, language: str = "en") -> str:
    """Python-Markdown with the module format's extensions; the result is NOT yet sanitised."""
    with force_locale(language):
        # i18n: title of the ↩ link after a footnote; {} is the footnote's number.
        backlink_title = _("Back to the text of footnote {}")
    converter = markdown.Markdown(
        extensions=EXTENSIONS,
        extension_configs={
            "toc": {"slugify": heading_id, "permalink": False},
            "tables": {"use_align_attribute": True},  # style= attributes are stripped
            "footnotes": {"BACKLINK_TITLE": backlink_title},
        },
        output_format="html",
    )
    html = converter.convert(source)
    # Odd parts are <pre> blocks, where every line break is the author's.
    parts = PRE_BLOCK.split(html)
    return "".join(
        part if index % 2 else HAN_LINE_BREAK.sub("", part) for index, part in enumerate(parts)
    )


def _keep_class(value: str) -> str | None:
    kept = [c for c in value.split() if c in ALLOWED_CLASSES or CODE_CLASS.fullmatch(c)]
    return " ".join(kept) or None


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        return _keep_class(value)
    return value


def sanitise(html: str, rewrite_url: Callable[[str], str | None] | None = None) -> str:
    """Allow-list sanitising: no scripts, event handlers, styles, frames or unsafe URLs."""
    return nh3.clean(
        html,
        tags=set(TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        attribute_filter=_filter_attribute,
        url_schemes=set(ALLOWED_SCHEMES),
        url_relative=rewrite_url or (lambda url: url),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


@dataclass(frozen=True)
class Links:
    """Where a module version's relative links point on the site."""

    media: str  # URL folder of the media files, e.g. /media/<id>/<lang>/<version>/
    lessons: str  # URL folder of the lesson pages, e.g. /modules/<id>/lessons/

    @classmethod
    def of(cls, module_id: str, language: str, version: int) -> Links:
        module = quote(module_id)
        # The lesson URL is the courses feature's /modules/<id>/lessons/<key> (any language).
        return cls(
            media=f"/media/{module}/{language}/{version}/",
            lessons=f"/modules/{module}/lessons/",
        )


def rewrite_relative_url(url: str, links: Links) -> str | None:
    """``media/x.png`` -> the versioned media URL; ``02-next.md#part`` -> the lesson page."""
    parts = urlsplit(url)
    if not parts.path or parts.path.startswith("/"):
        return url  # a fragment, or a path on this site
    target = module_path(parts.path)
    if target is None:
        return None  # points outside the module folder
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    if target.startswith(f"{MEDIA_FOLDER}/"):
        return links.media + quote(target.removeprefix(f"{MEDIA_FOLDER}/")) + fragment
    if target.endswith(".md") and "/" not in target:
        return links.lessons + quote(target.removesuffix(".md")) + fragment
    return url


def module_path(path: str) -> str | None:
    """A relative URL path as a normalised path inside the module folder, or None."""
    normal = posixpath.normpath(unquote(path))
    if normal.startswith("../") or normal == ".." or normal.startswith("/"):
        return None
    return normal


def render(source: str, *, language: str, links: Links) -> str:
    """Markdown -> sanitised HTML whose relative links point at the stored media and lessons."""
    html = sanitise(
        markdown_to_html(source, language), lambda url: rewrite_relative_url(url, links)
    )
    return wrap_tables(html, language)


def wrap_tables(html: str, language: str) -> str:
    """Put each table in a labelled, focusable region, so that a table wider than a phone
    screen can be scrolled sideways from the keyboard too (added after sanitising)."""
    if "<table" not in html:
        return html
    with force_locale(language):
        label = escape(_("Table (scrolls sideways)"))
    opening = f'<div class="table-scroll" role="region" tabindex="0" aria-label="{label}">'
    return html.replace("<table", opening + "<table").replace("</table>", "</table></div>")


class _LinkCollector(HTMLParser):
    """Every ``a href`` and ``img src`` in a piece of HTML, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"a": "href", "img": "src"}.get(tag)
        for name, value in attrs:
            if name == wanted and value is not None:
                self.links.append((tag, value.strip()))


def collect_links(source: str) -> list[tuple[str, str]]:
    """(tag, target) for each link and image in Markdown ``source``, raw HTML included."""
    collector = _LinkCollector()
    collector.feed(markdown_to_html(source))
    collector.close()
    return collector.links
