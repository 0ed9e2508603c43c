"""The language switcher shown on every page."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, session
from flask_login import current_user
from werkzeug.wrappers import Response

from lms.extensions import db
from lms.i18n.locale import SESSION_KEY, normalise
from lms.security import safe_next

bp = Blueprint("i18n", __name__)


@bp.post("/language")
def switch() -> Response:
    language = normalise(request.form.get("language"))
    if language is None:
        abort(400)
    session[SESSION_KEY] = language
    if current_user.is_authenticated:
        current_user.preferred_language = language
        db.session.commit()
    return redirect(safe_next(request.form.get("next")) or "/")
