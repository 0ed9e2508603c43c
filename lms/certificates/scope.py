"""Whose certificates a coordinator manages.

Certificates sit left of coordination, so they cannot ask it directly: the coordination feature
registers its rule (``register``) when the app is built. Admins manage every certificate; a
coordinator manages only those the rule allows, and none when no rule is registered.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask.sansio.app import App
from sqlalchemy import ColumnElement, false, true

from lms.auth.models import Role, User

EXTENSION = "lms.certificates.managed"

# Given a coordinator, a condition on Certificate rows they manage.
ManagedRule = Callable[[User], ColumnElement[bool]]


def register(app: App, rule: ManagedRule) -> None:
    app.extensions[EXTENSION] = rule


def managed_by(actor: User) -> ColumnElement[bool]:
    """A condition on ``Certificate`` rows: those ``actor`` may list, download and revoke."""
    if actor.role is Role.admin:
        return true()
    if actor.role is not Role.coordinator:
        return false()
    rule: ManagedRule | None = current_app.extensions.get(EXTENSION)
    return rule(actor) if rule is not None else false()
