"""Coordination forms. Choices that depend on the person or the language are set by the views."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.auth.forms import LANGUAGE_CHOICES
from lms.auth.services import NAME_MAX_LENGTH
from lms.config import LANGUAGES
from lms.coordination.models import OrganisationKind

KIND_LABELS = {
    OrganisationKind.resettlement_centre: _l("Resettlement centre"),
    OrganisationKind.shelter: _l("Shelter"),
    OrganisationKind.ngo: _l("NGO"),
    OrganisationKind.government_office: _l("Government office"),
    OrganisationKind.region: _l("Region"),
}


def as_choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class LocalDateField(DateField):
    """A date input (``<input type="date">``) with a translated message for unreadable dates."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(_l("Enter a date like 2025-03-31."))) from error


class MultiCheckboxField(SelectMultipleField):
    """A list of check boxes, each with its label."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _language_field() -> SelectField:
    return SelectField(
        _l("Language for e-mails and pages"),
        choices=LANGUAGE_CHOICES,
        validate_choice=False,
        validators=[AnyOf(LANGUAGES, message=_l("Choose one of the languages in the list."))],
    )


def _person_name_field() -> StringField:
    return StringField(
        _l("Full name"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Enter the person's name.")),
            Length(
                max=NAME_MAX_LENGTH,
                message=_l("The name can have at most %(n)d characters.", n=NAME_MAX_LENGTH),
            ),
        ],
    )


class OrganisationForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Enter the organisation's name.")),
            Length(max=200, message=_l("The name can have at most %(n)d characters.", n=200)),
        ],
    )
    country = SelectField(
        _l("Country"),
        validate_choice=False,  # checked by the service, with our own message
        validators=[DataRequired(message=_l("Choose a country from the list."))],
    )
    kind = SelectField(
        _l("Kind of organisation"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        validate_choice=False,
        validators=[
            AnyOf(
                [kind.value for kind in OrganisationKind],
                message=_l("Choose a kind of organisation from the list."),
            )
        ],
    )


class CohortForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Enter the cohort's name.")),
            Length(max=200, message=_l("The name can have at most %(n)d characters.", n=200)),
        ],
    )
    organisations = MultiCheckboxField(
        _l("Organisations taking part"), coerce=int, validate_choice=False
    )
    trainer = SelectField(_l("Trainer"), coerce=int, validate_choice=False)
    starts_on = LocalDateField(
        _l("First day"), validators=[InputRequired(message=_l("Enter the first day."))]
    )
    ends_on = LocalDateField(
        _l("Last day"), validators=[InputRequired(message=_l("Enter the last day."))]
    )
    is_online = BooleanField(_l("Online"))
    place = StringField(
        _l("Place"),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=200, message=_l("The place can have at most %(n)d characters.", n=200)),
        ],
    )


class CohortModuleForm(FlaskForm):
    module = SelectField(
        _l("Module"),
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose a module from the list."))],
    )
    due_on = LocalDateField(
        _l("Due date"), validators=[InputRequired(message=_l("Enter the due date."))]
    )


class AddPersonForm(FlaskForm):
    name = _person_name_field()
    email = EmailField(
        _l("E-mail address"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Enter the person's e-mail address.")),
            Length(max=254, message=_l("An e-mail address has at most 254 characters.")),
        ],
    )
    preferred_language = _language_field()


class EditPersonForm(FlaskForm):
    name = _person_name_field()
    preferred_language = _language_field()


class ParticipantsForm(FlaskForm):
    participants = MultiCheckboxField(_l("Members to add"), coerce=int, validate_choice=False)


class ModulesForm(FlaskForm):
    modules = MultiCheckboxField(_l("Modules"), validate_choice=False)


class ModuleForm(FlaskForm):
    module = SelectField(
        _l("Module"),
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose a module from the list."))],
    )


class ScopeForm(FlaskForm):
    organisations = MultiCheckboxField(
        _l("Organisations this coordinator manages"), coerce=int, validate_choice=False
    )


class UploadForm(FlaskForm):
    file = FileField(
        _l("CSV file"), validators=[FileRequired(message=_l("Choose a CSV file to upload."))]
    )


class ConfirmImportForm(FlaskForm):
    sha256 = HiddenField(validators=[DataRequired()])
