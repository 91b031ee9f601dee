"""Forms for writing and sending a campaign."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..core.database import utcnow
from ..core.forms import MultiLine, SingleLine, required
from ..core.timefmt import local_zone, to_local
from ..core.versions import EditVersionField
from ..extensions import db
from ..members.models import APPROVAL_CATEGORIES, Member
from .audiences import AUDIENCE_ROLES, AUDIENCES, EVENT_AUDIENCES, TOPICS
from .queueing import Draft, merge_field_errors


def event_choices() -> list[tuple[str, str]]:
    """Events from the last month and the next year, soonest first: the ones worth writing about."""
    from ..events.models import Event

    now = utcnow()
    events = db.session.execute(
        select(Event.id, Event.title, Event.starts_at)
        .where(Event.starts_at >= now - timedelta(days=31), Event.starts_at <= now + timedelta(days=366))
        .order_by(Event.starts_at)
        .limit(500)
    )
    return [("", "Choose an event")] + [
        (str(event_id), f"{to_local(starts):%a %-d %b %Y} — {title}") for event_id, title, starts in events
    ]


class CampaignForm(FlaskForm):
    subject = StringField("Subject", validators=[DataRequired("Write a subject."), Length(max=200), SingleLine()])
    body = TextAreaField(
        "Message",
        validators=[DataRequired("Write the message."), Length(max=50_000), MultiLine()],
        description="Markdown: **bold**, *italic*, [a link](https://…), lists with -. "
        "Merge fields: {{ first_name }}, {{ full_name }}, {{ renewal_date }}; "
        "for an event's guests also {{ event_title }}, {{ event_date }}, "
        "{{ event_venue }}.",
    )
    greeting = BooleanField(
        "Start with “Hello {first name},”",
        default=True,
        description="Each member sees their own first name. Leave it ticked unless your "
        "message has a greeting of its own: then it is never added twice.",
    )
    topic = RadioField("What is it about?", choices=list(TOPICS.items()), default="news")
    audience = SelectField("Send to", choices=list(AUDIENCES.items()), default="active")
    role = SelectField("Role", choices=list(AUDIENCE_ROLES.items()), validators=[Optional()])
    category = SelectField("Approval category", choices=list(APPROVAL_CATEGORIES.items()), validators=[Optional()])
    event_id = SelectField("Event", choices=[], validators=[Optional()])
    chosen = TextAreaField(
        "Members' email addresses, one per line", validators=[Optional(), Length(max=100_000), MultiLine()]
    )
    edit_version = EditVersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.event_id.choices = event_choices()
        self.chosen_ids: tuple[int, ...] = ()

    def fill_from(self, campaign) -> None:
        self.subject.data, self.body.data, self.topic.data = campaign.subject, campaign.body_markdown, campaign.topic
        self.greeting.data = campaign.greeting
        self.edit_version.data = str(campaign.edit_version)
        self.audience.data = campaign.audience
        if campaign.audience == "role":
            self.role.data = campaign.audience_value
        elif campaign.audience == "category":
            self.category.data = campaign.audience_value
        elif campaign.audience in EVENT_AUDIENCES:
            self.event_id.data = campaign.audience_value
        if campaign.chosen_member_ids:
            self.chosen.data = "\n".join(
                db.session.scalars(
                    select(Member.email).where(Member.id.in_(campaign.chosen_member_ids)).order_by(Member.email)
                )
            )

    def audience_value(self) -> str:
        if self.audience.data == "role":
            return self.role.data or ""
        if self.audience.data == "category":
            return self.category.data or ""
        if self.audience.data in EVENT_AUDIENCES:
            return self.event_id.data or ""
        return ""

    def to_draft(self) -> Draft:
        return Draft(
            subject=required(self.subject).strip(),
            body_markdown=required(self.body),
            topic=self.topic.data,
            audience=self.audience.data,
            audience_value=self.audience_value(),
            chosen_member_ids=self.chosen_ids,
            greeting=bool(self.greeting.data),
        )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.audience.data in EVENT_AUDIENCES and not self.event_id.data:
            self.event_id.errors = [*self.event_id.errors, "Choose the event whose guests should get this."]
            ok = False
        if self.audience.data == "chosen":
            ok = self._check_chosen() and ok
        if self.subject.data and self.body.data:
            for error in merge_field_errors(self.to_draft()):
                self.body.errors = [*self.body.errors, error]
                ok = False
        return ok

    def _check_chosen(self) -> bool:
        addresses = {line.strip().lower() for line in (self.chosen.data or "").splitlines() if line.strip()}
        if not addresses:
            self.chosen.errors = [*self.chosen.errors, "Add at least one member's email address, one per line."]
            return False
        found = {
            email: member_id
            for email, member_id in db.session.execute(
                select(func.lower(Member.email), Member.id).where(
                    func.lower(Member.email).in_(addresses), Member.erased_at.is_(None)
                )
            )
        }
        unknown = sorted(addresses - set(found))
        if unknown:
            self.chosen.errors = [*self.chosen.errors, "These addresses are not members': " + ", ".join(unknown)]
            return False
        self.chosen_ids = tuple(sorted(found.values()))
        return True


class ScheduleForm(FlaskForm):
    send_date = DateField("Date", validators=[DataRequired("Choose a date.")])
    send_time = TimeField("Time", validators=[DataRequired("Choose a time.")])

    def when_utc(self) -> datetime:
        local = datetime.combine(required(self.send_date), self.send_time.data or time(9))
        return local.replace(tzinfo=local_zone()).astimezone(UTC).replace(tzinfo=None)


class ConfirmSendForm(FlaskForm):
    """The confirmation page's form: what the sender saw, sent back to be checked before sending."""

    edit_version = EditVersionField()
    recipients = HiddenField(validators=[DataRequired("This page was incomplete."), Length(max=64)])

    def validate_edit_version(self, field) -> None:
        if field.version is None:
            raise ValidationError("This page was incomplete.")

    def seen(self) -> tuple[int, str]:
        """The campaign's version and the recipients' fingerprint the confirmation page showed."""
        # Validation refused a page without either: validate_edit_version and DataRequired.
        version, fingerprint = self.edit_version.version, self.recipients.data
        assert version is not None and fingerprint is not None, "called after validate_on_submit()"
        return version, fingerprint


class ConfirmScheduleForm(ConfirmSendForm, ScheduleForm):
    """As ConfirmSendForm, with the chosen time carried along."""
