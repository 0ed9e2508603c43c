"""Content pages: stored media files, and the translation status page for trainers."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from werkzeug.wrappers import Response

from lms.auth.access import role_required
from lms.auth.models import Role
from lms.config import LANGUAGES
from lms.content import services
from lms.content.status import translation_status
from lms.extensions import db

bp = Blueprint("content", __name__)

# The URL holds the module version, so a file at one URL never changes.
MEDIA_CACHE_CONTROL = "public, max-age=31536000, immutable"
# An SVG opened on its own must not run scripts or load anything.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@bp.get("/media/<module_id>/<lang>/<int:version>/<path:path>")
def media(module_id: str, lang: str, version: int, path: str) -> Response:
    """A module version's image, cacheable forever."""
    if lang not in LANGUAGES:
        abort(404)
    item = services.get_media(db.session, module_id, lang, version, path)
    if item is None:
        abort(404)
    response = Response(item.data, content_type=item.content_type)
    response.set_etag(item.sha256)
    response.headers["Cache-Control"] = MEDIA_CACHE_CONTROL
    if item.content_type == "image/svg+xml":
        response.headers["Content-Security-Policy"] = SVG_CSP
    return response.make_conditional(request)


@bp.get("/content/status")
@role_required(Role.trainer)
def status() -> str:
    """Which modules exist in which language, and which translations lag behind English."""
    modules = translation_status(db.session)
    return render_template(
        "content/status.html",
        modules=modules,
        behind_count=sum(len(m.behind) for m in modules),
    )
