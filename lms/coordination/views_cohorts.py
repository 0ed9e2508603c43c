"""Coordination pages: cohorts, their participants, modules and enrolment."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from lms.auth.access import role_required
from lms.auth.models import Role
from lms.certificates.export import zip_download
from lms.certificates.models import Certificate
from lms.coordination.access import get_cohort_or_404, get_person_or_404
from lms.coordination.blueprint import actor, bp, module_choices, module_titles, show_error
from lms.coordination.forms import CohortForm, CohortModuleForm, ParticipantsForm, as_choices
from lms.coordination.models import Cohort, CohortModule, CohortParticipant
from lms.coordination.services import cohorts as cohort_service
from lms.coordination.services import enrolment, scope
from lms.coordination.services.cohorts import CohortDetails
from lms.coordination.services.errors import CoordinationError
from lms.courses.models import Enrolment
from lms.errors import render_error
from lms.extensions import db


@bp.get("/coordination/cohorts")
@role_required(Role.coordinator)
def cohorts() -> str:
    """Every cohort in the person's scope, latest first, with its number of participants."""
    user = actor()
    rows = list(
        db.session.scalars(
            select(Cohort)
            .where(scope.cohort_condition(user))
            .order_by(Cohort.starts_on.desc(), Cohort.id.desc())
        )
    )
    counts = dict(
        db.session.execute(
            select(CohortParticipant.cohort_id, func.count())
            .where(CohortParticipant.cohort_id.in_([c.id for c in rows]))
            .group_by(CohortParticipant.cohort_id)
        )
        .tuples()
        .all()
    )
    return render_template("coordination/cohorts.html", cohorts=rows, counts=counts)


def _cohort_form(cohort: Cohort | None = None) -> CohortForm:
    form = CohortForm(obj=cohort)
    user = actor()
    form.organisations.choices = as_choices(
        (org.id, org.name) for org in scope.visible_organisations(db.session, user)
    )
    form.trainer.choices = as_choices(
        [(0, _("No trainer yet")), *((t.id, t.name) for t in cohort_service.trainers(db.session))]
    )
    if cohort is not None and not form.is_submitted():
        form.organisations.data = [link.organisation_id for link in cohort.cohort_organisations]
        form.trainer.data = cohort.trainer_id or 0
    return form


def _details(form: CohortForm) -> CohortDetails:
    return CohortDetails(
        name=form.name.data or "",
        organisation_ids=form.organisations.data or [],
        trainer_id=form.trainer.data or None,
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        is_online=bool(form.is_online.data),
        place=form.place.data or "",
    )


@bp.route("/coordination/cohorts/new", methods=["GET", "POST"])
@role_required(Role.coordinator)
def new_cohort() -> ResponseReturnValue:
    form = _cohort_form()
    if form.validate_on_submit():
        try:
            cohort = cohort_service.create_cohort(
                db.session,
                _details(form),
                allowed_organisation_ids=scope.organisation_ids_in_scope(db.session, actor()),
            )
        except CoordinationError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The cohort “%(name)s” has been created.", name=cohort.name), "success")
            return redirect(url_for("coordination.cohort", cohort_id=cohort.id))
    return render_template("coordination/cohort_form.html", form=form, cohort=None)


@bp.get("/coordination/cohorts/<int:cohort_id>")
@role_required(Role.coordinator)
def cohort(cohort_id: int) -> str:
    return _cohort_page(get_cohort_or_404(cohort_id, actor()))


def _cohort_page(
    cohort: Cohort,
    participants_form: ParticipantsForm | None = None,
    module_form: CohortModuleForm | None = None,
) -> str:
    participants = cohort_service.participants(db.session, cohort)
    module_ids = [m.module_id for m in cohort.modules]
    enrolled = dict(
        db.session.execute(
            select(Enrolment.module_id, func.count())
            .join(CohortParticipant, CohortParticipant.user_id == Enrolment.user_id)
            .where(CohortParticipant.cohort_id == cohort.id, Enrolment.module_id.in_(module_ids))
            .group_by(Enrolment.module_id)
        )
        .tuples()
        .all()
    )
    if participants_form is None:
        participants_form = ParticipantsForm(formdata=None)
    participants_form.participants.choices = as_choices(
        (u.id, f"{u.name} <{u.email}>") for u in cohort_service.candidates(db.session, cohort)
    )
    if module_form is None:
        module_form = CohortModuleForm(formdata=None)
    module_form.module.choices = module_choices(_("Choose a module"))
    return render_template(
        "coordination/cohort.html",
        cohort=cohort,
        participants=participants,
        titles=module_titles(module_ids),
        enrolled=enrolled,
        participants_form=participants_form,
        module_form=module_form,
    )


@bp.route("/coordination/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@role_required(Role.coordinator)
def edit_cohort(cohort_id: int) -> ResponseReturnValue:
    user = actor()
    cohort = get_cohort_or_404(cohort_id, user)
    form = _cohort_form(cohort)
    if form.validate_on_submit():
        try:
            cohort_service.update_cohort(
                db.session,
                cohort,
                _details(form),
                allowed_organisation_ids=scope.organisation_ids_in_scope(db.session, user),
            )
        except CoordinationError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The cohort has been saved."), "success")
            return redirect(url_for("coordination.cohort", cohort_id=cohort.id))
    return render_template("coordination/cohort_form.html", form=form, cohort=cohort)


@bp.post("/coordination/cohorts/<int:cohort_id>/delete")
@role_required(Role.coordinator)
def delete_cohort(cohort_id: int) -> Response:
    cohort = get_cohort_or_404(cohort_id, actor())
    name = cohort.name
    cohort_service.delete_cohort(db.session, cohort)
    db.session.commit()
    flash(_("The cohort “%(name)s” has been deleted.", name=name), "success")
    return redirect(url_for("coordination.cohorts"))


@bp.post("/coordination/cohorts/<int:cohort_id>/participants")
@role_required(Role.coordinator)
def add_participants(cohort_id: int) -> ResponseReturnValue:
    cohort = get_cohort_or_404(cohort_id, actor())
    form = ParticipantsForm()
    if form.validate_on_submit():
        chosen = form.participants.data or []
        if not chosen:
            form.participants.errors = [_("Tick at least one person to add.")]
            return _cohort_page(cohort, participants_form=form)
        try:
            added = cohort_service.add_participants(db.session, cohort, chosen)
        except CoordinationError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(
                ngettext("%(num)d participant added.", "%(num)d participants added.", added),
                "success",
            )
            return redirect(url_for("coordination.cohort", cohort_id=cohort.id))
    return _cohort_page(cohort, participants_form=form)


@bp.post("/coordination/cohorts/<int:cohort_id>/participants/<int:user_id>/remove")
@role_required(Role.coordinator)
def remove_participant(cohort_id: int, user_id: int) -> Response:
    user = actor()
    cohort = get_cohort_or_404(cohort_id, user)
    person = get_person_or_404(user_id, user)
    if not cohort_service.remove_participant(db.session, cohort, person):
        abort(404)
    db.session.commit()
    flash(_("%(name)s has been taken out of the cohort.", name=person.name), "success")
    return redirect(url_for("coordination.cohort", cohort_id=cohort.id))


@bp.post("/coordination/cohorts/<int:cohort_id>/modules")
@role_required(Role.coordinator)
def assign_module(cohort_id: int) -> ResponseReturnValue:
    cohort = get_cohort_or_404(cohort_id, actor())
    form = CohortModuleForm()
    if form.validate_on_submit():
        module_id = form.module.data or ""
        try:
            created = cohort_service.assign_module(db.session, cohort, module_id, form.due_on.data)
        except CoordinationError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            title = module_titles([module_id]).get(module_id, module_id)
            if created:
                flash(_("“%(module)s” has been assigned.", module=title), "success")
            else:
                flash(_("The due date of “%(module)s” has been changed.", module=title), "success")
            return redirect(url_for("coordination.cohort", cohort_id=cohort.id))
    return _cohort_page(cohort, module_form=form)


@bp.post("/coordination/cohorts/<int:cohort_id>/modules/<module_id>/remove")
@role_required(Role.coordinator)
def unassign_module(cohort_id: int, module_id: str) -> Response:
    cohort = get_cohort_or_404(cohort_id, actor())
    if not cohort_service.unassign_module(db.session, cohort, module_id):
        abort(404)
    db.session.commit()
    flash(_("The module is no longer assigned to this cohort."), "success")
    return redirect(url_for("coordination.cohort", cohort_id=cohort.id))


@bp.post("/coordination/cohorts/<int:cohort_id>/enrol")
@role_required(Role.coordinator)
def enrol_cohort(cohort_id: int) -> Response:
    cohort = get_cohort_or_404(cohort_id, actor())
    try:
        created = enrolment.enrol_cohort(db.session, cohort)
    except CoordinationError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("coordination.cohort", cohort_id=cohort.id))
    db.session.commit()
    flash(
        ngettext(
            "%(num)d new enrolment. Participants already enrolled were left as they were.",
            "%(num)d new enrolments. Participants already enrolled were left as they were.",
            created,
        ),
        "success",
    )
    return redirect(url_for("coordination.cohort", cohort_id=cohort.id, _anchor="modules"))


@bp.get("/coordination/cohorts/<int:cohort_id>/certificates.zip")
@role_required(Role.coordinator)
def cohort_certificates(cohort_id: int) -> ResponseReturnValue:
    """Every certificate of the cohort's participants for its assigned modules, as one ZIP."""
    cohort = get_cohort_or_404(cohort_id, actor())
    ids = list(
        db.session.scalars(
            select(Certificate.id)
            .join(CohortParticipant, CohortParticipant.user_id == Certificate.user_id)
            .join(
                CohortModule,
                (CohortModule.cohort_id == CohortParticipant.cohort_id)
                & (CohortModule.module_id == Certificate.module_id),
            )
            .where(CohortParticipant.cohort_id == cohort.id)
            .order_by(Certificate.module_id, Certificate.holder_name, Certificate.id)
        )
    )
    if not ids:
        return render_error(404, _("No participant of this cohort has a certificate yet."))
    limit = int(current_app.config["CERT_EXPORT_LIMIT"])
    if len(ids) > limit:
        message = _(
            "This cohort has more than %(limit)d certificates: too many for one download. "
            "An administrator can raise the limit (LMS_CERT_EXPORT_LIMIT).",
            limit=limit,
        )
        return render_error(400, message)
    return zip_download(db.session, ids, f"certificates-cohort-{cohort.id}.zip")
