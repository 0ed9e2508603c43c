"""Coordination pages for admins: which organisations each coordinator manages."""

from __future__ import annotations

from collections import defaultdict

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.auth.access import role_required
from lms.auth.models import Role, User
from lms.coordination.access import get_coordinator_or_404
from lms.coordination.blueprint import actor, bp, show_error
from lms.coordination.forms import ScopeForm, as_choices
from lms.coordination.models import CoordinatorOrganisation, Organisation
from lms.coordination.services import organisations as orgs
from lms.coordination.services.errors import CoordinationError
from lms.extensions import db


@bp.get("/coordination/coordinators")
@role_required(Role.admin)
def coordinators() -> str:
    """Every coordinator with the organisations they manage."""
    people = list(
        db.session.scalars(
            select(User).where(User.role == Role.coordinator).order_by(func.lower(User.name))
        )
    )
    assigned: dict[int, list[Organisation]] = defaultdict(list)
    for user_id, organisation in db.session.execute(
        select(CoordinatorOrganisation.user_id, Organisation)
        .join(Organisation, Organisation.id == CoordinatorOrganisation.organisation_id)
        .order_by(Organisation.name_key)
    ).tuples():
        assigned[user_id].append(organisation)
    return render_template("coordination/coordinators.html", coordinators=people, assigned=assigned)


@bp.route("/coordination/coordinators/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.admin)
def coordinator_scope(user_id: int) -> ResponseReturnValue:
    """Choose the organisations one coordinator manages."""
    coordinator = get_coordinator_or_404(user_id, actor())
    form = ScopeForm()
    form.organisations.choices = as_choices(
        (org.id, org.name)
        for org in db.session.scalars(select(Organisation).order_by(Organisation.name_key))
    )
    if not form.is_submitted():
        form.organisations.data = [
            org.id for org in orgs.assigned_organisations(db.session, coordinator)
        ]
    if form.validate_on_submit():
        try:
            orgs.set_assigned_organisations(db.session, coordinator, form.organisations.data or [])
        except CoordinationError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(
                _("The organisations of %(name)s have been saved.", name=coordinator.name),
                "success",
            )
            return redirect(url_for("coordination.coordinators"))
    return render_template(
        "coordination/coordinator_scope.html", form=form, coordinator=coordinator
    )
