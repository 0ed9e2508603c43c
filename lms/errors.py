"""Error pages: translated, in the site layout, never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

TITLES = {
    400: _l("Bad request"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    413: _l("File too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
    503: _l("Service unavailable"),
}
MESSAGES = {
    400: _l("The request could not be understood. Please go back and try again."),
    403: _l("You do not have permission to open this page."),
    404: _l("There is nothing at this address. It may have moved, or the link may be wrong."),
    405: _l("This page cannot be used that way."),
    413: _l("The file is larger than this site accepts."),
    429: _l("Too many attempts in a short time. Please wait a few minutes and try again."),
    500: _l("An unexpected error happened on our side. It has been logged."),
    503: _l("Passage is not available right now. Please try again later."),
}


def render_error(code: int, message: str | None = None) -> tuple[str, int]:
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=TITLES.get(code, TITLES[500]),
            message=message or MESSAGES.get(code, MESSAGES[500]),
        ),
        code,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> tuple[str, int]:
        return render_error(
            400, str(_l("The form had expired or was sent from elsewhere. Please try again."))
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        description = getattr(error, "passage_message", None)
        return render_error(error.code, description)

    @app.errorhandler(500)
    def _server(_error: Exception) -> tuple[str, int]:
        return render_error(500)
