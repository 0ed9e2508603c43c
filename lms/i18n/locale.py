"""Choosing the interface language: the user's choice, then the session, then the browser."""

from __future__ import annotations

from flask import has_request_context, request, session
from flask_login import current_user

from lms.config import LANGUAGES

LANGUAGE_NAMES = {"en": "English", "ko": "한국어", "zh": "中文"}
SESSION_KEY = "lang"


def normalise(tag: str | None) -> str | None:
    """Map a language tag to a supported language: ``zh-Hans-CN`` -> ``zh``, ``ko_KR`` -> ``ko``."""
    if not tag:
        return None
    base = tag.replace("_", "-").split("-")[0].strip().lower()
    return base if base in LANGUAGES else None


def select_locale() -> str:
    if not has_request_context():  # CLI commands and imports: no user, no browser to ask
        return "en"
    if current_user and current_user.is_authenticated:
        chosen = normalise(current_user.preferred_language)
        if chosen:
            return chosen
    chosen = normalise(session.get(SESSION_KEY))
    if chosen:
        return chosen
    for tag, _quality in request.accept_languages:
        chosen = normalise(tag)
        if chosen:
            return chosen
    return "en"
