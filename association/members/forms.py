"""Forms members and applicants fill in."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from ..core.forms import MultiLine, SingleLine
from .models import APPROVAL_CATEGORIES, SERVICE_TYPES
from .passwords import MAX_LENGTH, password_problem

PHONE = Regexp(r"^[0-9 +()\-]{7,20}$", message="Enter a phone number using digits, spaces and + only.")
# An area is a town or the first half of a postcode: never a full address.
FULL_POSTCODE = r"\b[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s*[0-9][A-Za-z]{2}\b"


def email_field(label="Email address"):
    return EmailField(
        label,
        validators=[
            DataRequired("Enter your email address."),
            Email("Enter an email address like name@example.com."),
            Length(max=254, message="An email address can be at most 254 characters."),
            SingleLine(),
        ],
    )


def not_a_full_address(_form, field):
    import re

    if re.search(FULL_POSTCODE, field.data or "") or re.search(
        r"\d+\s+\w+\s+(road|street|lane|avenue|close|drive|way)\b", field.data or "", re.I
    ):
        raise ValidationError(
            "Just your town or the first part of your postcode (like 'Leeds' or 'LS6'), please — not your full address."
        )


def area_field():
    """Where a carer lives, no closer than the town or postcode district (never a full address)."""
    return StringField(
        "Town or postcode district",
        validators=[
            DataRequired("Enter your town or postcode district."),
            Length(max=80),
            not_a_full_address,
            SingleLine(),
        ],
    )


class ApplyForm(FlaskForm):
    name = StringField(
        "Your full name", validators=[DataRequired("Enter your name."), Length(max=120), SingleLine("your name")]
    )
    email = email_field()
    phone = StringField("Phone number", validators=[Optional(), Length(max=40), PHONE, SingleLine()])
    area = area_field()
    service_name = StringField(
        "Your fostering service",
        validators=[DataRequired("Enter the name of your fostering service."), Length(max=120), SingleLine()],
    )
    service_type = RadioField(
        "Kind of fostering service",
        choices=list(SERVICE_TYPES.items()),
        validators=[InputRequired("Choose the kind of fostering service.")],
    )
    approval_category = SelectField(
        "What you are approved for", choices=list(APPROVAL_CATEGORIES.items()), validators=[InputRequired()]
    )
    years_fostering = IntegerField(
        "Years fostering",
        validators=[
            InputRequired("Enter how many years you have fostered; 0 if you are new."),
            NumberRange(0, 80, "Enter a number of years from 0 to 80."),
        ],
    )
    how_heard = StringField("How did you hear about us?", validators=[Optional(), Length(max=200), SingleLine()])
    consent = BooleanField(
        "I have read the privacy notice and agree to the association keeping these details",
        validators=[DataRequired("Please agree to the privacy notice so we can keep your details.")],
    )


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=MAX_LENGTH)])
    remember = BooleanField("Keep me signed in on this device")


class PasswordResetRequestForm(FlaskForm):
    email = email_field()


class SignInLinkForm(FlaskForm):
    email = email_field()


class SignInLinkUseForm(FlaskForm):
    """Only a button: signing in by a link is a POST, so opening the link changes nothing."""


class NewPasswordMixin:
    password: PasswordField  # declared by each form that mixes this in

    def check_new_password(self, email: str, name: str) -> bool:
        problem = password_problem(self.password.data or "", email=email, name=name)
        if problem:
            self.password.errors = [*self.password.errors, problem]
            return False
        return True


class SetPasswordForm(NewPasswordMixin, FlaskForm):
    password = PasswordField("New password", validators=[DataRequired("Choose a password.")])
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired("Type the password again."), EqualTo("password", "The two passwords don't match.")],
    )


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField("Current password", validators=[DataRequired("Enter your current password.")])


class ChangeEmailForm(FlaskForm):
    email = email_field("New email address")
    current = PasswordField("Current password", validators=[DataRequired("Enter your current password.")])


class ProfileForm(FlaskForm):
    phone = StringField("Phone number", validators=[Optional(), Length(max=40), PHONE, SingleLine()])
    area = area_field()
    service_name = StringField(
        "Your fostering service",
        validators=[DataRequired("Enter your fostering service."), Length(max=120), SingleLine()],
    )
    skills = StringField(
        "Skills and experience you can offer other carers", validators=[Optional(), Length(max=400), SingleLine()]
    )
    buddy_willing = BooleanField("I'm happy to be a buddy to a new foster carer")
    share_email = BooleanField("Show my email address to other members")
    share_phone = BooleanField("Show my phone number to other members")
    share_service = BooleanField("Show my fostering service to other members")
    share_category = BooleanField("Show what I'm approved for to other members")


class RenewForm(FlaskForm):
    """Only the CSRF token: the page above the button says what asking to renew does."""


class LeaveForm(FlaskForm):
    reason = TextAreaField(
        "Anything you'd like to tell us (optional)", validators=[Optional(), Length(max=500), MultiLine()]
    )
    confirm = BooleanField("I want to leave the association", validators=[DataRequired("Tick the box to confirm.")])
