"""What every part's forms share: what a one-line and a multi-line field may hold, and a list of boxes.

Every single-line text field (StringField and its kinds: email, URL, search) carries
``SingleLine()``; every TextAreaField carries ``MultiLine()``. The rule itself lives in
``core/plain_text.py``, where the same check guards every flush; the form says it first, kindly,
next to the field. A test walks every form of the app and fails on a field without its validator.

``show_domain_error`` puts a rule's refusal (a ``DomainError``) on the form the view shows again;
``required`` reads a required field of a form that validated.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from wtforms import DateField, DecimalField, IntegerField, MonthField, SelectMultipleField
from wtforms.fields.core import Flags
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .errors import DomainError
from .plain_text import breaks_the_line, has_nul

_T_co = TypeVar("_T_co", covariant=True)


class SingleLine:
    """Refuse line breaks, tabs and other control characters (a name ends up in mail headers)."""

    field_flags: dict[str, bool] = {}

    def __init__(self, what: str | None = None):
        # ``what`` names the field in the message, e.g. "your name".
        self.message = f"Please remove line breaks or special characters from {what or 'this field'}."

    def __call__(self, _form, field) -> None:
        if isinstance(field.data, str) and breaks_the_line(field.data):
            raise ValidationError(self.message)


class MultiLine:
    """Keep line breaks but refuse NUL, which no database text column can hold."""

    field_flags: dict[str, bool] = {}

    def __init__(self, message: str | None = None):
        self.message = message or "Please remove special characters from this text."

    def __call__(self, _form, field) -> None:
        if isinstance(field.data, str) and has_nul(field.data):
            raise ValidationError(self.message)


class _SaysWhatItWants:
    """A field whose "can't read that" message is the form's own words, not WTForms' "Not a valid …"."""

    unreadable = "Please check this value."

    def __init__(self, *args, unreadable: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.unreadable = unreadable or self.unreadable

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)  # type: ignore[misc]
        except ValueError as error:
            raise ValueError(self.unreadable) from error


class ReadableDateField(_SaysWhatItWants, DateField):
    """A date (YYYY-MM-DD, as a browser's date picker sends it) that says how to write one when it can't read it."""

    unreadable = "Please give the date as year-month-day, like 2026-03-14."


class ReadableDecimalField(_SaysWhatItWants, DecimalField):
    """A number that may have a decimal point, saying what it wants when it can't read it."""

    unreadable = "Please give a number, like 2 or 1.5."


class ReadableIntegerField(_SaysWhatItWants, IntegerField):
    """A whole number, saying what it wants when it can't read it."""

    unreadable = "Please give a whole number, like 3."


class ReadableMonthField(_SaysWhatItWants, MonthField):
    """A month (YYYY-MM, as a browser's month picker sends it) that says how to write one when it can't read it."""

    unreadable = "Please give the month as year-month, like 2025-04."


class MultiCheckboxField(SelectMultipleField):
    """A choice of several shown as a list of tick boxes (a member's roles, the ages an event suits)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def show_domain_error(form, error: DomainError) -> None:
    """Show a rule's refusal on ``form``: beside the field it names or, when it names none (or one
    this form doesn't have), at the top of the form, in the summary ``forms.form_errors`` draws.

    The rule knows which field its message is about; the view never guesses it from the words.
    """
    field = form._fields.get(error.field) if error.field else None
    if field is None:
        form.form_errors.append(str(error))
    else:
        # A field not validated yet has a tuple of errors; one that was has a list.
        field.errors = [*field.errors, str(error)]


class _Holding(Protocol[_T_co]):
    """A WTForms field whose ``data`` is a ``_T_co``, or None until a value arrives."""

    name: str
    flags: Flags

    @property
    def data(self) -> _T_co | None: ...


def required(field: _Holding[_T_co]) -> _T_co:
    """What a required field holds once its form has validated.

    WTForms declares a field's data as ``X | None``: None until a value arrives. A field with
    DataRequired or InputRequired (which set its ``required`` flag) refuses a missing, empty or
    unreadable value, so after ``validate_on_submit()`` it holds one. Optional fields are read as
    ``field.data or ""`` (or their own default) instead.
    """
    assert field.flags.required, f"{field.name} has no DataRequired or InputRequired validator"
    assert field.data is not None, f"{field.name} is read before its form validated"
    return field.data
