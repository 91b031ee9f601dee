"""Forms admins use."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from ..core.forms import MultiCheckboxField, MultiLine, SingleLine
from ..core.versions import EditVersionField
from ..members.forms import PHONE, not_a_full_address
from ..members.models import APPROVAL_CATEGORIES, ROLES, SERVICE_TYPES, STATUSES


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        "Reason (the applicant will see this)",
        validators=[DataRequired("Give a reason; the applicant is told it."), Length(max=1000), MultiLine()],
    )


class ApproveForm(FlaskForm):
    renewal_date = DateField("First renewal date", validators=[Optional()])


class MemberEditForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter a name."), Length(max=120), SingleLine("the name")])
    email = EmailField(
        "Email",
        validators=[
            DataRequired("Enter an email address."),
            Email("Enter a valid email address."),
            Length(max=254),
            SingleLine(),
        ],
    )
    phone = StringField("Phone", validators=[Optional(), Length(max=40), PHONE, SingleLine()])
    area = StringField(
        "Town or postcode district", validators=[Optional(), Length(max=80), not_a_full_address, SingleLine()]
    )
    service_name = StringField("Fostering service", validators=[Optional(), Length(max=120), SingleLine()])
    service_type = SelectField("Kind of service", choices=list(SERVICE_TYPES.items()))
    approval_category = SelectField("Approved for", choices=list(APPROVAL_CATEGORIES.items()))
    # Required: the column has no empty value, and a blank box used to end in a 500.
    years_fostering = IntegerField(
        "Years fostering",
        validators=[
            InputRequired("Enter the years fostering (0 if they are new to it)."),
            NumberRange(0, 80, "From 0 to 80."),
        ],
    )
    renewal_date = DateField("Renewal date", validators=[Optional()])
    status = SelectField("Status", choices=[(s, s.capitalize()) for s in STATUSES])
    status_reason = StringField("Reason for a status change", validators=[Optional(), Length(max=300), SingleLine()])
    roles = MultiCheckboxField("Roles", choices=[(r, r.capitalize()) for r in ROLES])
    edit_version = EditVersionField()


class HouseholdForm(FlaskForm):
    partner_email = EmailField(
        "Email of the carer they foster with",
        validators=[
            DataRequired("Enter the other carer's email."),
            Email("Enter a valid email address."),
            SingleLine(),
        ],
    )


class ImportForm(FlaskForm):
    file = FileField(
        "CSV file", validators=[FileRequired("Choose a CSV file."), FileAllowed(["csv", "txt"], "Choose a .csv file.")]
    )


class ImportConfirmForm(FlaskForm):
    csv_text = TextAreaField(validators=[DataRequired(), MultiLine()])
    send_welcome = BooleanField("Email each new active member a link to set their password", default=True)


class ConfirmForm(FlaskForm):
    """A button that only posts: erase, retry and similar."""
