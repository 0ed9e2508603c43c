"""Coordination pages: overview, organisations and their people."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from lms.auth.access import role_required
from lms.auth.models import Role, User
from lms.coordination import invitations
from lms.coordination.access import get_organisation_or_404, get_person_or_404
from lms.coordination.blueprint import (
    actor,
    bp,
    countries,
    invite,
    module_choices,
    module_titles,
    show_error,
)
from lms.coordination.forms import (
    AddPersonForm,
    EditPersonForm,
    ModuleForm,
    ModulesForm,
    OrganisationForm,
)
from lms.coordination.models import (
    Cohort,
    CohortOrganisation,
    Invitation,
    Organisation,
    OrganisationMember,
)
from lms.coordination.services import enrolment, people, scope
from lms.coordination.services import organisations as orgs
from lms.coordination.services.errors import CoordinationError
from lms.courses.models import Enrolment
from lms.extensions import db
from lms.templating import current_locale


@bp.get("/coordination")
@role_required(Role.coordinator)
def index() -> str:
    """The coordinator's start page: their organisations and cohorts."""
    user = actor()
    counts = _member_counts(user)
    organisations = scope.visible_organisations(db.session, user)
    cohorts = list(
        db.session.scalars(
            select(Cohort)
            .where(scope.cohort_condition(user))
            .order_by(Cohort.starts_on.desc(), Cohort.id.desc())
            .limit(10)
        )
    )
    return render_template(
        "coordination/index.html", organisations=organisations, counts=counts, cohorts=cohorts
    )


def _member_counts(user: User) -> dict[int, int]:
    rows = (
        db.session.execute(
            select(OrganisationMember.organisation_id, func.count())
            .join(Organisation, Organisation.id == OrganisationMember.organisation_id)
            .where(scope.organisation_condition(user))
            .group_by(OrganisationMember.organisation_id)
        )
        .tuples()
        .all()
    )
    return dict(rows)


@bp.get("/coordination/organisations")
@role_required(Role.coordinator)
def organisations() -> str:
    """Every organisation in the person's scope, with its number of members."""
    user = actor()
    return render_template(
        "coordination/organisations.html",
        organisations=scope.visible_organisations(db.session, user),
        counts=_member_counts(user),
    )


def _organisation_form(organisation: Organisation | None = None) -> OrganisationForm:
    form = OrganisationForm(obj=organisation)
    form.country.choices = countries()
    if organisation is not None and not form.is_submitted():
        form.kind.data = organisation.kind.value
    return form


@bp.route("/coordination/organisations/new", methods=["GET", "POST"])
@role_required(Role.coordinator)
def new_organisation() -> ResponseReturnValue:
    form = _organisation_form()
    if form.validate_on_submit():
        try:
            organisation = orgs.create_organisation(
                db.session,
                name=form.name.data or "",
                country=form.country.data or "",
                kind=form.kind.data or "",
                created_by=actor(),
            )
        except CoordinationError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(
                _("The organisation “%(name)s” has been created.", name=organisation.name),
                "success",
            )
            return redirect(url_for("coordination.organisation", organisation_id=organisation.id))
    return render_template("coordination/organisation_form.html", form=form, organisation=None)


@bp.get("/coordination/organisations/<int:organisation_id>")
@role_required(Role.coordinator)
def organisation(organisation_id: int) -> str:
    org = get_organisation_or_404(organisation_id, actor())
    return _organisation_page(org)


def _organisation_page(
    org: Organisation,
    person_form: AddPersonForm | None = None,
    enrol_form: ModulesForm | None = None,
) -> str:
    user = actor()
    members = orgs.members(db.session, org)
    invitation_rows = db.session.scalars(
        select(Invitation).where(Invitation.user_id.in_([m.id for m in members]))
    )
    invited = {row.user_id: row for row in invitation_rows}
    cohorts = list(
        db.session.scalars(
            select(Cohort)
            .join(CohortOrganisation, CohortOrganisation.cohort_id == Cohort.id)
            .where(CohortOrganisation.organisation_id == org.id, scope.cohort_condition(user))
            .order_by(Cohort.starts_on.desc(), Cohort.id.desc())
        )
    )
    if person_form is None:
        person_form = AddPersonForm(formdata=None)
        person_form.preferred_language.data = current_locale()
    if enrol_form is None:
        enrol_form = ModulesForm(formdata=None)
    enrol_form.modules.choices = module_choices()
    return render_template(
        "coordination/organisation.html",
        organisation=org,
        members=members,
        invited=invited,
        cohorts=cohorts,
        person_form=person_form,
        enrol_form=enrol_form,
    )


@bp.route("/coordination/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@role_required(Role.coordinator)
def edit_organisation(organisation_id: int) -> ResponseReturnValue:
    org = get_organisation_or_404(organisation_id, actor())
    form = _organisation_form(org)
    if form.validate_on_submit():
        try:
            orgs.update_organisation(
                db.session,
                org,
                name=form.name.data or "",
                country=form.country.data or "",
                kind=form.kind.data or "",
            )
        except CoordinationError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The organisation has been saved."), "success")
            return redirect(url_for("coordination.organisation", organisation_id=org.id))
    return render_template(
        "coordination/organisation_form.html",
        form=form,
        organisation=org,
        member_count=orgs.member_count(db.session, org),
    )


@bp.post("/coordination/organisations/<int:organisation_id>/delete")
@role_required(Role.coordinator)
def delete_organisation(organisation_id: int) -> Response:
    org = get_organisation_or_404(organisation_id, actor())
    name = org.name
    try:
        orgs.delete_organisation(db.session, org)
    except CoordinationError as error:
        flash(str(error), "error")
        return redirect(url_for("coordination.edit_organisation", organisation_id=org.id))
    db.session.commit()
    flash(_("The organisation “%(name)s” has been deleted.", name=name), "success")
    return redirect(url_for("coordination.organisations"))


@bp.post("/coordination/organisations/<int:organisation_id>/people")
@role_required(Role.coordinator)
def add_person(organisation_id: int) -> ResponseReturnValue:
    org = get_organisation_or_404(organisation_id, actor())
    form = AddPersonForm()
    if form.validate_on_submit():
        try:
            added = people.add_person(
                db.session,
                org,
                email=form.email.data or "",
                name=form.name.data or "",
                preferred_language=form.preferred_language.data or "en",
                invited_by=actor(),
            )
        except CoordinationError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            if added.created:
                flash(_("%(name)s has been added.", name=added.user.name), "success")
                invite([added.user])
            elif added.joined:
                flash(
                    _(
                        "%(email)s already had an account, which has been added to "
                        "“%(organisation)s”.",
                        email=added.user.email,
                        organisation=org.name,
                    ),
                    "success",
                )
            else:
                flash(_("%(email)s is already a member.", email=added.user.email), "success")
            return redirect(url_for("coordination.organisation", organisation_id=org.id))
    return _organisation_page(org, person_form=form)


@bp.post("/coordination/organisations/<int:organisation_id>/people/<int:user_id>/remove")
@role_required(Role.coordinator)
def remove_person(organisation_id: int, user_id: int) -> Response:
    user = actor()
    org = get_organisation_or_404(organisation_id, user)
    person = get_person_or_404(user_id, user)
    if not orgs.remove_member(db.session, org, person):
        abort(404)
    db.session.commit()
    flash(
        _(
            "%(name)s is no longer a member of “%(organisation)s”.",
            name=person.name,
            organisation=org.name,
        ),
        "success",
    )
    return redirect(url_for("coordination.organisation", organisation_id=org.id))


@bp.post("/coordination/organisations/<int:organisation_id>/enrol")
@role_required(Role.coordinator)
def enrol_organisation(organisation_id: int) -> ResponseReturnValue:
    org = get_organisation_or_404(organisation_id, actor())
    form = ModulesForm()
    form.modules.choices = module_choices()
    if form.validate_on_submit():
        try:
            created = enrolment.enrol_organisation(db.session, org, form.modules.data or [])
        except CoordinationError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(
                ngettext(
                    "%(num)d new enrolment. Members already enrolled were left as they were.",
                    "%(num)d new enrolments. Members already enrolled were left as they were.",
                    created,
                ),
                "success",
            )
            return redirect(url_for("coordination.organisation", organisation_id=org.id))
    return _organisation_page(org, enrol_form=form)


# People --------------------------------------------------------------------------------------


def _may_edit(person: User) -> bool:
    # Coordinators look after trainees; staff accounts are changed by admins only.
    return person.role is Role.trainee or actor().role is Role.admin


@bp.get("/coordination/people/<int:user_id>")
@role_required(Role.coordinator)
def person(user_id: int) -> str:
    return _person_page(get_person_or_404(user_id, actor()))


def _person_page(
    person: User, edit_form: EditPersonForm | None = None, enrol_form: ModuleForm | None = None
) -> str:
    user = actor()
    in_scope = scope.organisation_ids_in_scope(db.session, user)
    member_of = [
        org
        for org in orgs.organisations_of(db.session, person)
        if in_scope is None or org.id in in_scope
    ]
    visible_cohorts = set(db.session.scalars(select(Cohort.id).where(scope.cohort_condition(user))))
    cohorts = [c for c in people.cohorts_of(db.session, person) if c.id in visible_cohorts]
    enrolments = list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.user_id == person.id)
            .order_by(Enrolment.enrolled_at.desc())
        )
    )
    if edit_form is None:
        edit_form = EditPersonForm(formdata=None, obj=person)
    if enrol_form is None:
        enrol_form = ModuleForm(formdata=None)
    enrol_form.module.choices = module_choices(_("Choose a module"))
    return render_template(
        "coordination/person.html",
        person=person,
        organisations=member_of,
        cohorts=cohorts,
        enrolments=enrolments,
        titles=module_titles(e.module_id for e in enrolments),
        invitation=invitations.get_invitation(db.session, person),
        may_edit=_may_edit(person),
        edit_form=edit_form,
        enrol_form=enrol_form,
    )


@bp.post("/coordination/people/<int:user_id>/edit")
@role_required(Role.coordinator)
def edit_person(user_id: int) -> ResponseReturnValue:
    person = get_person_or_404(user_id, actor())
    if not _may_edit(person):
        abort(403)
    form = EditPersonForm()
    if form.validate_on_submit():
        try:
            people.update_person(
                db.session,
                person,
                name=form.name.data or "",
                preferred_language=form.preferred_language.data or person.preferred_language,
            )
        except CoordinationError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The details have been saved."), "success")
            return redirect(url_for("coordination.person", user_id=person.id))
    return _person_page(person, edit_form=form)


@bp.post("/coordination/people/<int:user_id>/invitation")
@role_required(Role.coordinator)
def resend_invitation(user_id: int) -> Response:
    person = get_person_or_404(user_id, actor())
    if not _may_edit(person):
        abort(403)
    try:
        invitations.renew_invitation(db.session, person, invited_by=actor())
    except CoordinationError as error:
        flash(str(error), "error")
        return redirect(url_for("coordination.person", user_id=person.id))
    db.session.commit()  # the new unusable password: earlier links stop working
    invite([person])
    return redirect(url_for("coordination.person", user_id=person.id))


@bp.post("/coordination/people/<int:user_id>/enrol")
@role_required(Role.coordinator)
def enrol_person(user_id: int) -> ResponseReturnValue:
    person = get_person_or_404(user_id, actor())
    form = ModuleForm()
    if form.validate_on_submit():
        module_id = form.module.data or ""
        try:
            created = enrolment.enrol_person(db.session, person.id, module_id)
        except CoordinationError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            title = module_titles([module_id]).get(module_id, module_id)
            if created:
                flash(
                    _("%(name)s is now enrolled in “%(module)s”.", name=person.name, module=title),
                    "success",
                )
            else:
                flash(
                    _(
                        "%(name)s was already enrolled in “%(module)s”.",
                        name=person.name,
                        module=title,
                    ),
                    "success",
                )
            return redirect(url_for("coordination.person", user_id=person.id))
    return _person_page(person, enrol_form=form)
