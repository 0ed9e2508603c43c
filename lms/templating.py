"""Jinja globals and filters shared by every page."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, get_locale

from lms.config import LANGUAGES, ROOT
from lms.i18n.locale import LANGUAGE_NAMES


@cache
def _static_digest(filename: str) -> str:
    path = ROOT / "static" / filename
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_url(filename: str) -> str:
    """URL of a static file with a content hash, so browsers never keep a stale copy."""
    return url_for("static", filename=filename, v=_static_digest(filename))


def current_locale() -> str:
    locale = get_locale()
    return str(locale.language) if locale else "en"


def html_lang(language: str) -> str:
    """The BCP 47 tag for ``lang`` attributes: Simplified Chinese is ``zh-Hans``."""
    return "zh-Hans" if language == "zh" else language


def init_app(app: Flask) -> None:
    if app.debug:
        _static_digest.cache_clear()

    @app.context_processor
    def _globals() -> dict[str, Any]:
        locale = current_locale()
        return {
            "locale": locale,
            "html_lang": html_lang,
            "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
            "static_url": static_url,
            "site_name": app.config["SITE_NAME"],
            "current_path": request.full_path.rstrip("?") if request else "/",
        }

    app.jinja_env.filters["date"] = lambda value, fmt="medium": (
        format_date(value, fmt) if isinstance(value, datetime) else ""
    )
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if isinstance(value, datetime) else ""
    )
