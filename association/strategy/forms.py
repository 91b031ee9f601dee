"""Strategy group forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..core.forms import MultiLine, SingleLine
from ..core.versions import EditVersionField
from .items import REASON_LENGTH, TEXT_LENGTH
from .models import KINDS, OUTCOME_STATUSES, OWNERS


class ItemForm(FlaskForm):
    kind = RadioField(
        "What is it?",
        choices=list(KINDS.items()),
        default="issue",
        validators=[InputRequired("Choose whether this is an issue, good practice or a suggestion.")],
    )
    theme_id = SelectField("Theme", coerce=int, validators=[Optional()])
    what_happened = TextAreaField(
        "What happened?", validators=[DataRequired("Tell us what happened."), Length(max=TEXT_LENGTH), MultiLine()]
    )
    what_would_help = TextAreaField("What would help?", validators=[Optional(), Length(max=TEXT_LENGTH), MultiLine()])
    named = RadioField(
        "Who can know it was you?",
        choices=[
            ("anonymous", "Nobody, not even the strategy group (anonymous)"),
            ("named", "The strategy group may know it was me"),
        ],
        default="anonymous",
        validators=[InputRequired("Choose whether to be named to the strategy group.")],
    )


class TriageForm(FlaskForm):
    theme_id = SelectField("Theme", coerce=int, validators=[Optional()])
    meeting_id = SelectField("For the meeting on", coerce=int, validators=[Optional()])
    pack_wording = TextAreaField(
        "Wording for the pack",
        validators=[DataRequired("The pack wording can't be empty."), Length(max=TEXT_LENGTH), MultiLine()],
    )
    edit_version = EditVersionField()


class MergeForm(FlaskForm):
    target_id = SelectField("Merge into", coerce=int, validators=[InputRequired("Choose the item to merge into.")])


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        "Why it isn't being taken forward (the carer sees this)",
        validators=[DataRequired("Give a reason; the carer who raised it will see it."), Length(max=1000), MultiLine()],
    )


class AttendeeForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField("Name", validators=[Optional(), Length(max=120), SingleLine("the name")])
    role = StringField("Role", validators=[Optional(), Length(max=120), SingleLine()])
    email = StringField("Email", validators=[Optional(), Length(max=254), SingleLine()])


class MeetingForm(FlaskForm):
    date = DateField("Date", validators=[InputRequired("Enter the date of the meeting.")])
    time = TimeField("Time", validators=[InputRequired("Enter the time of the meeting.")])
    place = StringField("Place", validators=[Optional(), Length(max=200), SingleLine()])
    cutoff_date = DateField("Last day to raise items (default: a week before)", validators=[Optional()])
    date_reason = TextAreaField(
        "Why this date (needed if it isn't 6 to 8 weeks after the last meeting)",
        validators=[Optional(), Length(max=1000), MultiLine()],
    )
    attendees = FieldList(FormField(AttendeeForm), min_entries=3, max_entries=6)


class OutcomeForm(FlaskForm):
    response = TextAreaField("What the service said", validators=[Optional(), Length(max=4000), MultiLine()])
    action = TextAreaField("Action agreed", validators=[Optional(), Length(max=2000), MultiLine()])
    owner = SelectField("Who will do it", choices=list(OWNERS.items()))
    due_on = DateField("Due by", validators=[Optional()])
    status = SelectField("Status", choices=list(OUTCOME_STATUSES.items()))


class ThemeForm(FlaskForm):
    name = StringField("New theme", validators=[DataRequired("Give the theme a name."), Length(max=80), SingleLine()])


class ReviewForm(FlaskForm):
    reason = TextAreaField(
        "Why it identifies nobody",
        validators=[
            DataRequired("Say why the wording identifies nobody; it is kept with the review."),
            Length(max=REASON_LENGTH),
            MultiLine(),
        ],
    )


class IssueForm(FlaskForm):
    """What the confirmation page showed: checked again when the pack is issued."""

    version = HiddenField()
    digest = HiddenField()

    def seen(self):
        """The version and digest sent back, or None when either is missing or malformed."""
        from .issuing import Seen

        version, digest = (self.version.data or "").strip(), (self.digest.data or "").strip()
        if not (version.isascii() and version.isdigit() and len(version) < 7 and len(digest) == 64):
            return None
        return Seen(int(version), digest)


class ConfirmForm(FlaskForm):
    agree = BooleanField("Confirm", validators=[Optional()])
