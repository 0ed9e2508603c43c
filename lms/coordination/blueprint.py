"""The coordination blueprint and what its pages share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Blueprint, current_app, flash
from flask.blueprints import BlueprintSetupState
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from lms.auth.models import Role, User
from lms.auth.services import PASSWORD_MIN_LENGTH
from lms.certificates import scope as certificate_scope
from lms.coordination import invitations
from lms.coordination.forms import KIND_LABELS, as_choices
from lms.coordination.models import OrganisationKind
from lms.coordination.services import scope
from lms.coordination.services.errors import CoordinationError
from lms.coordination.services.organisations import country_choices, country_name
from lms.courses.services import resolve_modules
from lms.extensions import db
from lms.i18n.locale import LANGUAGE_NAMES
from lms.templating import current_locale

bp = Blueprint("coordination", __name__)


@bp.record_once
def _certificate_scope(state: BlueprintSetupState) -> None:
    # Coordinators manage the certificates of their organisations' members, and no others.
    certificate_scope.register(state.app, scope.managed_certificates)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    locale = current_locale()
    return {
        "country_name": lambda code: country_name(code, locale),
        "kind_label": lambda kind: KIND_LABELS[OrganisationKind(kind)],
        "language_names": LANGUAGE_NAMES,
        "has_password": invitations.has_usable_password,
        "is_admin": current_user.is_authenticated and current_user.role is Role.admin,
        "cohort_place": lambda cohort: _("Online") if cohort.is_online else cohort.place,
        "day": lambda value: format_date(value, "medium") if value else "",
        "password_min_length": PASSWORD_MIN_LENGTH,
    }


def actor() -> User:
    """The signed-in person as a User (not the proxy), for services and scope checks."""
    user: User = current_user._get_current_object()
    return user


def show_error(form: FlaskForm, error: CoordinationError) -> None:
    """Put a service's message under the field it names, else at the top of the page."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        flash(str(error), "error")


def module_choices(prompt: str | None = None) -> list[SelectChoice]:
    """Every module (id, title in the interface language) in curriculum order."""
    pairs = [(m.module_id, m.title) for m in resolve_modules(db.session, current_locale())]
    return as_choices([("", prompt), *pairs] if prompt else pairs)


def module_titles(module_ids: Iterable[str]) -> dict[str, str]:
    """The title of each module, in the interface language."""
    ids = list(module_ids)
    return {m.module_id: m.title for m in resolve_modules(db.session, current_locale(), ids)}


def countries() -> list[SelectChoice]:
    """Country choices, named and sorted in the interface language."""
    return as_choices([("", _("Choose a country")), *country_choices(current_locale())])


def invite(users: list[User]) -> None:
    """Send invitations to freshly committed accounts, commit when they went, and say so."""
    if not users:
        return
    sent, failed = invitations.send_invitations(db.session, users, inviter=actor())
    db.session.commit()
    if sent:
        flash(
            ngettext(
                "%(num)d invitation has been sent by e-mail.",
                "%(num)d invitations have been sent by e-mail.",
                sent,
            ),
            "success",
        )
    if failed:
        current_app.logger.warning("%d invitation mails failed", len(failed))
        flash(
            ngettext(
                "%(num)d invitation could not be sent. Send it again from the person's page.",
                "%(num)d invitations could not be sent. Send them again from each person's page "
                "(or run `lms coordination send-invitations`).",
                len(failed),
            ),
            "error",
        )
