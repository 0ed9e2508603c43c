"""Coordination reports: the completion matrix and its CSV/XLSX exports, and the completions list.

Filters come from a GET form, so a filtered page is a link. An organisation or cohort id outside
the person's scope (or that does not exist), or an unknown module id, answers 404, exactly like
the pages of those objects: a filter can never widen the scope. Other bad values (a date that is
not a date, an unknown status) are named on the form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Response, abort, render_template, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import Field, SelectChoice, SelectField
from wtforms.validators import AnyOf, Optional, ValidationError

from lms.auth.access import role_required
from lms.auth.forms import LANGUAGE_CHOICES
from lms.auth.models import Role
from lms.config import LANGUAGES
from lms.coordination import exports, reports
from lms.coordination.blueprint import actor, bp
from lms.coordination.forms import LocalDateField
from lms.coordination.models import Cohort
from lms.coordination.reports import CellStatus, ReportFilters, SortKey
from lms.coordination.services import scope
from lms.courses.services import ResolvedModule, resolve_modules
from lms.db import utcnow
from lms.extensions import db
from lms.templating import current_locale

STATUS_CHOICES = [
    SelectChoice(CellStatus.not_started.value, _l("Not started")),
    SelectChoice(CellStatus.in_progress.value, _l("In progress")),
    SelectChoice(CellStatus.completed.value, _l("Completed")),
    SelectChoice(CellStatus.overdue.value, _l("Overdue")),
    SelectChoice(CellStatus.expired.value, _l("Certificate expired")),
]
SORT_CHOICES = [
    SelectChoice(SortKey.name.value, _l("Name")),
    SelectChoice(SortKey.organisation.value, _l("Organisation")),
    SelectChoice(SortKey.progress.value, _l("Progress")),
]
ORDER_CHOICES = [SelectChoice("asc", _l("Ascending")), SelectChoice("desc", _l("Descending"))]


def _after(start_field: str) -> Callable[[FlaskForm, Field], None]:
    """A validator: the field's date is not before the date of ``start_field``."""

    def check(form: FlaskForm, field: Field) -> None:
        start = form[start_field].data
        if start is not None and field.data is not None and field.data < start:
            raise ValidationError(_("This date is before the first date of the range."))

    return check


class MatrixFilterForm(FlaskForm):
    """The filters of the matrix and the exports (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    # Checked by the view against the person's scope (404), not by the form.
    organisation = SelectField(_l("Organisation"), validate_choice=False)
    cohort = SelectField(_l("Cohort"), validate_choice=False)
    module = SelectField(_l("Module"), validate_choice=False)
    language = SelectField(
        _l("Trainee's language"),
        validate_choice=False,
        validators=[
            Optional(),
            AnyOf(LANGUAGES, message=_l("Choose one of the languages in the list.")),
        ],
    )
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("Any status")), *STATUS_CHOICES],
        validate_choice=False,
        validators=[
            Optional(),
            AnyOf([c.value for c in STATUS_CHOICES], message=_l("Choose a status from the list.")),
        ],
    )
    due_from = LocalDateField(_l("Due from"), validators=[Optional()])
    due_to = LocalDateField(_l("Due until"), validators=[Optional(), _after("due_from")])
    completed_from = LocalDateField(_l("Completed from"), validators=[Optional()])
    completed_to = LocalDateField(
        _l("Completed until"), validators=[Optional(), _after("completed_from")]
    )
    sort = SelectField(
        _l("Sort by"),
        choices=SORT_CHOICES,
        default=SortKey.name.value,
        validate_choice=False,
        validators=[
            Optional(),
            AnyOf(
                [c.value for c in SORT_CHOICES], message=_l("Choose a sort order from the list.")
            ),
        ],
    )
    order = SelectField(
        _l("Order"),
        choices=ORDER_CHOICES,
        default="asc",
        validate_choice=False,
        validators=[
            Optional(),
            AnyOf(["asc", "desc"], message=_l("Choose ascending or descending.")),
        ],
    )


@dataclass
class _Request:
    """A report request read from the query string: its form, filters (None when the form has
    errors) and the modules in curriculum order, in the interface language."""

    form: MatrixFilterForm
    filters: ReportFilters | None
    modules: list[ResolvedModule]
    day: Callable[[date], str]

    @property
    def titles(self) -> dict[str, str]:
        return {m.module_id: m.title for m in self.modules}

    def columns(self, module_ids: set[str] | list[str]) -> list[tuple[str, str]]:
        """(id, title) of ``module_ids`` in curriculum order."""
        wanted = set(module_ids)
        found = [(m.module_id, m.title) for m in self.modules if m.module_id in wanted]
        known = {module_id for module_id, _title in found}
        return found + [(module_id, module_id) for module_id in sorted(wanted - known)]


def _id_in(raw: str | None, allowed: set[int]) -> int | None:
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        abort(404)
    if value not in allowed:
        abort(404)
    return value


def _read_request() -> _Request:
    """The filters of the query string, checked against the person's scope (404 outside it)."""
    user = actor()
    args = request.args
    form = MatrixFilterForm(args)
    organisations = scope.visible_organisations(db.session, user)
    cohorts = db.session.execute(
        select(Cohort.id, Cohort.name, Cohort.starts_on)
        .where(scope.cohort_condition(user))
        .order_by(Cohort.starts_on.desc(), Cohort.id.desc())
    ).all()
    modules = resolve_modules(db.session, current_locale())
    organisation_id = _id_in(args.get("organisation"), {o.id for o in organisations})
    cohort_id = _id_in(args.get("cohort"), {c.id for c in cohorts})
    module_id = args.get("module") or None
    if module_id is not None and module_id not in {m.module_id for m in modules}:
        abort(404)
    form.organisation.choices = [
        SelectChoice("", _("All organisations")),
        *(SelectChoice(str(o.id), o.name) for o in organisations),
    ]
    day = _day_formatter()
    label = _("%(name)s (%(date)s)")  # i18n: a cohort in a list: its name and first day
    form.cohort.choices = [
        SelectChoice("", _("All cohorts")),
        *(
            SelectChoice(str(c.id), label % {"name": c.name, "date": day(c.starts_on)})
            for c in cohorts
        ),
    ]
    form.module.choices = [
        SelectChoice("", _("All modules")),
        *(SelectChoice(m.module_id, m.title) for m in modules),
    ]
    form.language.choices = [SelectChoice("", _("All languages")), *LANGUAGE_CHOICES]
    if not form.validate():
        return _Request(form, None, modules, day)
    filters = ReportFilters(
        organisation_id=organisation_id,
        cohort_id=cohort_id,
        module_id=module_id,
        language=form.language.data or None,
        status=CellStatus(form.status.data) if form.status.data else None,
        due_from=form.due_from.data,
        due_to=form.due_to.data,
        completed_from=form.completed_from.data,
        completed_to=form.completed_to.data,
        sort=SortKey(form.sort.data or SortKey.name.value),
        descending=form.order.data == "desc",
    )
    return _Request(form, filters, modules, day)


def _day_formatter() -> Callable[[date], str]:
    """Babel's medium date format, remembered per date for one request (a page shows hundreds
    of dates, mostly the same few due dates; Babel takes ~30 µs for each)."""
    seen: dict[date, str] = {}

    def day(value: date) -> str:
        if value not in seen:
            seen[value] = format_date(value, "medium")
        return seen[value]

    return day


def _page_number() -> int:
    raw = request.args.get("page", "1")
    try:
        page = int(raw)
    except ValueError:
        abort(404)
    if not 1 <= page <= 1_000_000:  # past that, an OFFSET would overflow in the database
        abort(404)
    return page


def _link_args(**changes: str | int | None) -> dict[str, Any]:
    """The current query string with ``changes`` (None removes a key); empty values dropped."""
    args: dict[str, Any] = {k: v for k, v in request.args.items() if v}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return args


def _sort_link(key: SortKey, filters: ReportFilters) -> str:
    """The header link that sorts by ``key``: again on the same key reverses the order."""
    if filters.sort is key:
        order = "asc" if filters.descending else "desc"
    else:
        order = "desc" if key is SortKey.progress else "asc"
    return url_for("coordination.matrix", **_link_args(sort=key.value, order=order, page=None))


def _filter_errors_page(req: _Request) -> tuple[str, int]:
    return render_template("coordination/reports/matrix.html", req=req, result=None), 400


@bp.get("/coordination/matrix")
@role_required(Role.coordinator)
def matrix() -> ResponseReturnValue:
    """Who has completed which assigned module, a page of 50 trainees at a time."""
    req = _read_request()
    page = _page_number()
    if req.filters is None:
        return _filter_errors_page(req)
    filters, words = req.filters, exports.labels()
    result = reports.matrix_page(db.session, actor(), filters, page=page)
    if page > 1 and not result.rows:
        abort(404)
    return render_template(
        "coordination/reports/matrix.html",
        req=req,
        result=result,
        columns=req.columns(list(result.totals)),
        link_args=_link_args,
        sort_link=lambda key: _sort_link(SortKey(key), filters),
        labels=words,
        cell_detail=lambda cell: words.detail(cell, req.day),
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(
    extension: str,
    name: str,
    sheet: str,
    header: list[str],
    values: Iterator[list[exports.Value]],
    widths: list[int],
) -> Response:
    """The file as a streamed attachment: CSV written as it is sent, XLSX from a temporary file."""
    if extension == "csv":
        stream = stream_with_context(exports.csv_stream(header, values))
        response = Response(stream, mimetype="text/csv; charset=utf-8")
    else:
        handle = exports.xlsx_file(sheet, header, values, widths)
        response = Response(exports.file_chunks(handle), mimetype=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"  # personal data: never kept by a proxy
    return response


@bp.get("/coordination/matrix.<any(csv, xlsx):extension>")
@role_required(Role.coordinator)
def matrix_export(extension: str) -> ResponseReturnValue:
    """The whole matrix with the current filters (every page), as CSV or XLSX."""
    req = _read_request()
    if req.filters is None:
        return _filter_errors_page(req)
    user, filters, now = actor(), req.filters, utcnow()
    columns = req.columns(reports.matrix_module_ids(db.session, user, filters, now))
    # A generator: the query runs when the first row is needed, inside the response.
    rows = reports.iter_matrix(db.session, user, filters, now)
    return _download(
        extension,
        exports.file_name("completion-matrix", extension, now.date()),
        _("Completion matrix"),
        exports.matrix_header(columns),
        exports.matrix_values(rows, columns),
        [28, 30, 30, 10, 10, *([24] * len(columns))],
    )


@bp.get("/coordination/completions.<any(csv, xlsx):extension>")
@role_required(Role.coordinator)
def completions_export(extension: str) -> ResponseReturnValue:
    """Every completion of the people in scope (one row each), with the current filters."""
    req = _read_request()
    if req.filters is None:
        return _filter_errors_page(req)
    user, filters, now = actor(), req.filters, utcnow()
    rows = reports.iter_completions(db.session, user, filters, now)
    return _download(
        extension,
        exports.file_name("completions", extension, now.date()),
        _("Completions"),
        exports.completions_header(),
        exports.completions_values(rows, req.titles),
        [28, 30, 30, 36, 24, 8, 10, 17, 9, 22, 14],
    )
