"""Coordination pages: the dashboard and the trainee transcript (also the trainee's own)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from babel.dates import format_skeleton
from flask import abort, render_template, request
from flask_babel import format_date, format_decimal, format_percent, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select, true
from wtforms import SelectField
from wtforms.validators import Optional

from lms.auth.access import role_required
from lms.auth.models import Role, User
from lms.certificates.services import Status as CertificateStatus
from lms.coordination import charts
from lms.coordination.access import get_person_or_404
from lms.coordination.blueprint import actor, bp
from lms.coordination.dashboard import (
    Filters,
    ModuleRow,
    OrganisationRow,
    Status,
    Tally,
    Timeline,
    build_dashboard,
)
from lms.coordination.forms import LocalDateField, as_choices
from lms.coordination.models import Cohort
from lms.coordination.services import scope
from lms.coordination.transcript import build_transcript
from lms.courses.resolution import resolve_modules
from lms.db import utcnow
from lms.extensions import db
from lms.templating import current_locale

CHART_ORGANISATIONS = 20  # bars in the organisation chart; the table lists every one

STATUS_LABELS = {
    Status.not_started: _l("Not started"),
    Status.in_progress: _l("In progress"),
    Status.completed: _l("Completed"),
    Status.overdue: _l("Overdue"),
    Status.certificate_expired: _l("Certificate expired"),
}
STATUS_BADGES = {
    Status.not_started: "badge",
    Status.in_progress: "badge",
    Status.completed: "badge done",
    Status.overdue: "badge overdue",
    Status.certificate_expired: "badge warn",
}
CERTIFICATE_LABELS = {
    CertificateStatus.valid: _l("Valid"),
    CertificateStatus.expired: _l("Expired"),
    CertificateStatus.revoked: _l("Revoked"),
}


@bp.context_processor
def _report_helpers() -> dict[str, object]:
    return {
        "status_label": lambda status: STATUS_LABELS[status],
        "status_badge": lambda status: STATUS_BADGES[status],
        "certificate_label": lambda status: CERTIFICATE_LABELS[status],
        "statuses": list(STATUS_LABELS),
        "number": format_decimal,
        "percent": _percent,
    }


def _percent(fraction: float | None) -> str:
    return "—" if fraction is None else format_percent(fraction, "#,##0%")


class DashboardFilterForm(FlaskForm):
    """The dashboard's filters, sent with GET (a bookmarkable address; nothing changes)."""

    class Meta:
        csrf = False

    organisation = SelectField(_l("Organisation"), validate_choice=False)
    cohort = SelectField(_l("Cohort"), validate_choice=False)
    start = LocalDateField(_l("Cohorts running from"), validators=[Optional()])
    end = LocalDateField(_l("until"), validators=[Optional()])


def _chosen_id(name: str, allowed: set[int]) -> int | None:
    """The id chosen in the filter ``name``; anything outside ``allowed`` (the viewer's scope)
    answers 404, exactly like a wrong id in a path."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) not in allowed:
        abort(404)
    return int(raw)


def _dates(form: DashboardFilterForm) -> tuple[date | None, date | None]:
    form.validate()
    start = None if form.start.errors else form.start.data
    end = None if form.end.errors else form.end.data
    if start is not None and end is not None and start > end:
        form.end.errors = [
            *form.end.errors,
            _("The end of the period must be on or after its start."),
        ]
        return None, None
    return start, end


@bp.get("/coordination/dashboard")
@role_required(Role.coordinator)
def dashboard() -> str:
    """Completion figures for the viewer's organisations, with charts and their tables."""
    user = actor()
    organisations = scope.visible_organisations(db.session, user)
    cohorts = list(
        db.session.scalars(
            select(Cohort)
            .where(scope.cohort_condition(user))
            .order_by(Cohort.starts_on.desc(), Cohort.id.desc())
        )
    )
    form = DashboardFilterForm(formdata=request.args)
    form.organisation.choices = as_choices(
        [("", _("All your organisations")), *((str(o.id), o.name) for o in organisations)]
    )
    form.cohort.choices = as_choices(
        [("", _("All cohorts")), *((str(c.id), c.name) for c in cohorts)]
    )
    start, end = _dates(form)
    filters = Filters(
        organisation_id=_chosen_id("organisation", {o.id for o in organisations}),
        cohort_id=_chosen_id("cohort", {c.id for c in cohorts}),
        start=start,
        end=end,
    )
    data = build_dashboard(db.session, user, filters, organisations)
    timeline = data.timeline
    language = current_locale()
    modules = resolve_modules(db.session, language, [row.module_id for row in data.modules])
    titles = {m.module_id: m.title for m in modules}
    module_rows = _in_curriculum_order(data.modules, [m.module_id for m in modules])
    with_assignments = [row for row in data.organisations if row.tally.assigned]
    charted = sorted(
        with_assignments, key=lambda r: (r.tally.rate or 0, r.organisation.name.casefold())
    )[:CHART_ORGANISATIONS]
    return render_template(
        "coordination/dashboard/index.html",
        form=form,
        filters=filters,
        data=data,
        organisation_rows=data.organisations,
        organisations_without=len(data.organisations) - len(with_assignments),
        charted_organisations=len(charted),
        module_rows=module_rows,
        titles=titles,
        organisation_chart=_organisation_chart(charted),
        module_chart=_module_chart(module_rows, titles),
        timeline_chart=_timeline_chart(timeline),
        timeline_labels=[
            _bucket_title(b.starts_on, data.timeline.granularity) for b in data.timeline.buckets
        ],
        granularity_label=_granularity_label(timeline.granularity),
        timeline_caption=_timeline_caption(timeline.granularity),
    )


def _in_curriculum_order(rows: Sequence[ModuleRow], order: Sequence[str]) -> list[ModuleRow]:
    place = {module_id: index for index, module_id in enumerate(order)}
    return sorted(rows, key=lambda row: (place.get(row.module_id, len(place)), row.module_id))


def _bar(label: str, tally: Tally) -> charts.Bar:
    value = _(
        "%(rate)s · %(done)s/%(total)s",
        rate=_percent(tally.rate),
        done=format_decimal(tally.completed),
        total=format_decimal(tally.assigned),
    )
    return charts.Bar(label=label, fraction=tally.rate, value_text=value)


def _organisation_chart(rows: Sequence[OrganisationRow]) -> Markup | None:
    if not rows:
        return None
    return charts.bar_chart(
        [_bar(row.organisation.name, row.tally) for row in rows],
        chart_id="chart-organisations",
        title=_("Completion rate by organisation"),
        description=_(
            "Share of the assigned modules that have been completed, per organisation, lowest "
            "first. The table that follows the chart gives the same figures."
        ),
    )


def _module_chart(rows: Sequence[ModuleRow], titles: dict[str, str]) -> Markup | None:
    if not rows:
        return None
    return charts.bar_chart(
        [_bar(titles.get(row.module_id, row.module_id), row.tally) for row in rows],
        chart_id="chart-modules",
        title=_("Completion rate by module"),
        description=_(
            "Share of the assignments of each module that have been completed. The table that "
            "follows the chart gives the same figures."
        ),
    )


def _skeleton(skeleton: str, day: date) -> str:
    return str(format_skeleton(skeleton, day, locale=get_locale() or "en"))


def _bucket_title(day: date, granularity: str) -> str:
    """The full name of a week, month or year of the completions chart."""
    if granularity == "week":
        return _("Week of %(date)s", date=format_date(day, "medium"))
    if granularity == "month":
        return _skeleton("yMMMM", day)
    return _skeleton("y", day)


def _granularity_label(granularity: str) -> str:
    return {"week": _("Week"), "month": _("Month"), "year": _("Year")}[granularity]


def _timeline_caption(granularity: str) -> str:
    return {
        "week": _("Completions per week"),
        "month": _("Completions per month"),
        "year": _("Completions per year"),
    }[granularity]


def _timeline_chart(timeline: Timeline) -> Markup:
    columns = []
    previous_year: int | None = None
    for bucket in timeline.buckets:
        day = bucket.starts_on
        if timeline.granularity == "week":
            tick = _skeleton("MMMd", day)
        elif timeline.granularity == "month":
            tick = _skeleton("MMM", day)
        else:
            tick = _skeleton("y", day)
        group = None
        if timeline.granularity != "year" and day.year != previous_year:
            group = _skeleton("y", day)
        previous_year = day.year
        count = ngettext("%(num)d completion", "%(num)d completions", bucket.count)
        columns.append(
            charts.Column(
                label=tick,
                value=bucket.count,
                title=f"{_bucket_title(day, timeline.granularity)}: {count}",
                group_label=group,
            )
        )
    return charts.column_chart(
        columns,
        chart_id="chart-timeline",
        title=_("Assigned modules completed over time"),
        description=_(
            "%(what)s of assigned modules, from %(start)s to %(end)s. The table that follows "
            "the chart gives the same figures.",
            what=_timeline_caption(timeline.granularity),
            start=format_date(timeline.start, "medium"),
            end=format_date(timeline.end, "medium"),
        ),
        format_number=format_decimal,
    )


# Transcripts ----------------------------------------------------------------------------------


@bp.get("/coordination/people/<int:user_id>/transcript")
@role_required(Role.coordinator)
def transcript(user_id: int) -> str:
    """A person's training record, as far as the coordinator's scope reaches."""
    user = actor()
    person = get_person_or_404(user_id, user)
    record = build_transcript(
        db.session,
        person,
        language=current_locale(),
        cohorts_visible=scope.cohort_condition(user),
        organisations_visible=scope.organisation_condition(user),
    )
    return render_template("coordination/dashboard/transcript.html", transcript=record, own=False)


@bp.get("/my/transcript")
@login_required
def my_transcript() -> str:
    """The signed-in person's own training record."""
    person: User = current_user._get_current_object()
    record = build_transcript(
        db.session,
        person,
        language=current_locale(),
        cohorts_visible=true(),
        organisations_visible=true(),
        now=utcnow(),
    )
    return render_template("coordination/dashboard/transcript.html", transcript=record, own=True)
