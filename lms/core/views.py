"""Site-wide routes: the home page redirect, the health check and the schema guard."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, url_for
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from lms.errors import render_error
from lms.extensions import db
from lms.schema import SchemaOutOfDate, check_schema

bp = Blueprint("core", __name__)


@bp.before_app_request
def _require_current_schema() -> tuple[str, int] | None:
    """Refuse to serve pages from a database that is not at the latest migration."""
    app = current_app
    if not app.config["SCHEMA_CHECK"] or app.extensions.get("lms.schema_ok"):
        return None
    try:
        check_schema(db.engine)
    except SchemaOutOfDate as error:
        app.logger.error("%s", error)
        return render_error(503, str(error))
    app.extensions["lms.schema_ok"] = True
    return None


@bp.get("/")
def index() -> Response:
    return redirect(url_for("courses.catalog"))


@bp.get("/healthz")
def health() -> tuple[Response, int]:
    """For load balancers and monitoring: 200 when the database answers, else 503."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        current_app.logger.error("health check: database unreachable: %s", error)
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200
