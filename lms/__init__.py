"""Passage: counter-trafficking training in English, Korean and Chinese."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from whitenoise import WhiteNoise

from lms import errors, security, templating
from lms.config import ROOT, DefaultConfig, finalise
from lms.db import db as database
from lms.extensions import babel, csrf, login_manager
from lms.i18n.locale import select_locale

# Blueprints, in the order their URLs are matched.
FEATURES = ("core", "i18n", "auth", "content", "courses", "quiz", "certificates", "coordination")


def create_app(overrides: Mapping[str, Any] | None = None, *, serving: bool = True) -> Flask:
    """Build the application. ``serving=False`` is for management commands (see ``finalise``)."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(DefaultConfig)
    app.config.from_prefixed_env("LMS")  # LMS_DATABASE_URL -> DATABASE_URL
    app.config.update(overrides or {})
    finalise(app, serving=serving)

    database.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "lms" / "translations"),
    )
    security.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    for name in FEATURES:
        app.register_blueprint(import_module(f"lms.{name}.views").bp)

    if app.config["PROXY_COUNT"]:
        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app, root=str(ROOT / "static"), prefix="static/", max_age=3600
    )
    return app
