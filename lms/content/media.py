"""Images in a module's media/ folder: only known image types, whose bytes match their name."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flask_babel import gettext as _

from lms.content.problems import Problem, problem

# Media types by extension.
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
MAX_PATH = 300  # MediaFile.path


@dataclass
class ParsedMedia:
    path: str  # relative to media/, e.g. "diagram.png"
    content_type: str
    data: bytes
    sha256: str


def read_media(where: Path, name: str, data: bytes) -> ParsedMedia | Problem:
    """The image at ``where`` (``name`` relative to media/), or the problem that rules it out."""
    suffix = PurePosixPath(name).suffix.lower()
    content_type = IMAGE_TYPES.get(suffix)
    if content_type is None:
        return problem(
            where,
            0,
            _(
                "media/ may only hold PNG, JPEG, GIF, WebP and SVG images (.%(ext)s)",
                ext=suffix.lstrip(".") or "?",
            ),
        )
    if not looks_like(content_type, data):
        return problem(
            where,
            0,
            _(
                "the file's content is not a %(kind)s image, although its name ends in %(ext)s",
                kind=content_type.removeprefix("image/").removesuffix("+xml").upper(),
                ext=suffix,
            ),
        )
    if len(name) > MAX_PATH:
        return problem(where, 0, _("the media file's path is longer than 300 characters"))
    return ParsedMedia(
        path=name, content_type=content_type, data=data, sha256=hashlib.sha256(data).hexdigest()
    )


def looks_like(content_type: str, data: bytes) -> bool:
    """Whether ``data`` starts the way a file of ``content_type`` does."""
    if content_type == "image/png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if content_type == "image/jpeg":
        return data.startswith(b"\xff\xd8\xff")
    if content_type == "image/gif":
        return data[:6] in (b"GIF87a", b"GIF89a")
    if content_type == "image/webp":
        return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    try:
        head = data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return "<svg" in head
