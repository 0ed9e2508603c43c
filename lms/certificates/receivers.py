"""Issue a certificate when the quiz feature records a completion (imported by the views)."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from lms.certificates.services import issue_certificate
from lms.quiz.models import Completion
from lms.quiz.signals import module_completed


@module_completed.connect
def issue_on_completion(
    _sender: Any, *, session: Session, completion: Completion, **_: Any
) -> None:
    """Runs inside the completing request's transaction: the view's commit also issues."""
    organisation = ""
    if has_app_context():
        organisation = str(current_app.config.get("CERT_ORGANISATION") or "")
    issue_certificate(session, completion, organisation=organisation)
