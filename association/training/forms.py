"""Forms for the register, training details of an event, a carer's own training entries, the
committee's topics and the period of the attendance report."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..core.forms import (
    MultiCheckboxField,
    MultiLine,
    ReadableDateField,
    ReadableDecimalField,
    ReadableIntegerField,
    ReadableMonthField,
    SingleLine,
)
from ..core.timefmt import local_today
from .models import MAX_MINUTES


def hours_field(label: str = "Hours"):
    return ReadableDecimalField(
        label,
        places=2,
        unreadable="Please give the hours as a number, like 2 or 1.5.",
        validators=[
            InputRequired("Please give the hours, like 2 or 1.5."),
            NumberRange(
                min=Decimal("0.25"),
                max=Decimal(MAX_MINUTES // 60),
                message=f"Please give between a quarter of an hour (0.25) and {MAX_MINUTES // 60} hours.",
            ),
        ],
        description="In hours: 1.5 for an hour and a half.",
    )


def minutes_of(hours: Decimal) -> int:
    return int((hours * 60).to_integral_value())


class CourseForm(FlaskForm):
    """What a training event teaches."""

    hours = hours_field("Training hours")
    topics = MultiCheckboxField("Topics", coerce=int, validators=[Optional()])
    outcomes = TextAreaField(
        "Learning outcomes",
        validators=[Length(max=4000), MultiLine()],
        description="What carers will be able to do afterwards, one per line. They go on each certificate.",
    )


class EntryForm(FlaskForm):
    """Training a carer did elsewhere."""

    title = StringField(
        "Name of the training",
        validators=[DataRequired("Please say what the training was called."), Length(max=200), SingleLine()],
    )
    provider = StringField(
        "Who ran it",
        validators=[Length(max=200), SingleLine()],
        description="For example your fostering service, a college, or an online course.",
    )
    completed_on = ReadableDateField(
        "Date you finished it", validators=[InputRequired("Please give the date you finished it, like 2026-03-14.")]
    )
    hours = hours_field()
    topics = MultiCheckboxField("Topics", coerce=int, validators=[Optional()])
    certificate = FileField(
        "Certificate (optional)",
        description="A PDF, or a photo of it (JPEG or PNG), up to 10 MB. Only you can see it.",
    )

    def validate_completed_on(self, field) -> None:
        if field.data and field.data > local_today() + timedelta(days=1):
            raise ValidationError("That date is in the future. Add training once you have done it.")
        if field.data and field.data.year < 1950:
            raise ValidationError("Please check the year of that date.")


class GuestForm(FlaskForm):
    name = StringField(
        "Guest's name", validators=[DataRequired("Please give the guest's name."), Length(max=120), SingleLine()]
    )
    organisation = StringField(
        "Organisation",
        validators=[Length(max=120), SingleLine()],
        description="For example the fostering service, for a social worker.",
    )


class WalkInForm(FlaskForm):
    member_id = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=2**31 - 1)])
    adults = IntegerField("Adults", default=1, validators=[Optional(), NumberRange(min=0, max=20)])
    children = IntegerField("Children", default=0, validators=[Optional(), NumberRange(min=0, max=20)])


class ReviewForm(FlaskForm):
    """The period of the record to take to an annual review."""

    class Meta:
        csrf = False  # a download by GET: it changes nothing

    start = ReadableDateField("From", validators=[InputRequired("Please give the first day, like 2025-04-01.")])
    end = ReadableDateField("To", validators=[InputRequired("Please give the last day, like 2026-03-31.")])

    def validate_end(self, field) -> None:
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError("The last day is before the first. Please check the dates.")

    @staticmethod
    def last_year() -> tuple[date, date]:
        today = local_today()
        return today - timedelta(days=364), today


class TopicForm(FlaskForm):
    """A training topic the committee keeps."""

    name = StringField(
        "Name of the topic",
        validators=[DataRequired("Please give the topic a name, like First aid."), Length(max=80), SingleLine()],
    )
    validity_months = ReadableIntegerField(
        "How many months training in it counts",
        validators=[
            Optional(),
            NumberRange(min=1, max=120, message="Please give between 1 and 120 months (10 years)."),
        ],
        description="For example 36 for three years. Leave it empty if training in this topic does not run out.",
        unreadable="Please give the number of months as a number, like 36.",
    )


# A month as a browser's month picker sends it (2025-04), or as people type it where there is none.
MONTH_FORMATS = ["%Y-%m", "%m/%Y", "%B %Y", "%b %Y"]


def report_month(label: str, which: str) -> ReadableMonthField:
    example = "like 2025-04 for April 2025"
    return ReadableMonthField(
        label,
        format=MONTH_FORMATS,
        validators=[InputRequired(f"Please give the {which} month, {example}.")],
        unreadable=f"Please give the {which} month {example}.",
    )


class ReportForm(FlaskForm):
    """The months the committee's attendance report covers."""

    class Meta:
        csrf = False  # a report read by GET: it changes nothing

    start = report_month("From (month)", "first")
    end = report_month("To (month)", "last")
