"""Forms for events, replies and the register."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField,
                     TimeField, URLField)
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional, StopValidation, ValidationError

from ..admin.forms import MultiCheckboxField
from ..core.forms import MultiLine, SingleLine
from ..core.timefmt import local_zone, to_local
from ..core.versions import EditVersionField
from .models import AGE_BANDS, KINDS, VISIBILITIES
from .recurrence import REPEAT_CHOICES
from .scheduling import EventDetails


def _time_unless_all_day(label: str):
    def check(form, field):
        if form.all_day.data:
            field.errors[:] = []  # an all-day event needs no times, even unreadable ones
            raise StopValidation()
        if field.data is None:
            field.errors[:] = []
            raise StopValidation(f"Enter {label}, like 19:30, or tick 'All-day event'.")

    return check


def _web_link(_form, field):
    if field.data and not field.data.lower().startswith(("https://", "http://")):
        raise ValidationError("Links must start with https://")


class EventForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give the event a title."), Length(max=140), SingleLine()])
    kind = SelectField("Kind of event", choices=list(KINDS.items()))
    description = TextAreaField("Description", validators=[Optional(), Length(max=10000), MultiLine()])
    start_date = DateField("Date", validators=[InputRequired("Enter the date, like 2026-12-01.")])
    start_time = TimeField("Starts at", validators=[_time_unless_all_day("a start time")])
    end_date = DateField("Ends on (if a different day)", validators=[Optional()])
    end_time = TimeField("Ends at", validators=[_time_unless_all_day("an end time")])
    all_day = BooleanField("All-day event")
    repeat = SelectField("Repeats", choices=list(REPEAT_CHOICES.items()), validators=[Optional()])
    custom_rule = StringField("Custom rule", validators=[Optional(), Length(max=200), SingleLine()])
    venue_name = StringField("Venue", validators=[Optional(), Length(max=140), SingleLine()])
    venue_address = StringField("Venue address", validators=[Optional(), Length(max=300), SingleLine()])
    map_url = URLField("Map link", validators=[Optional(), Length(max=500), URL(message="Enter a full link."), _web_link, SingleLine()])
    online_url = URLField("Online joining link (shown only to people going)",
                          validators=[Optional(), Length(max=500), URL(message="Enter a full link."), _web_link, SingleLine()])
    visibility = RadioField("Who can see it", choices=list(VISIBILITIES.items()), default="members",
                            validators=[InputRequired("Choose who can see the event.")])
    children_welcome = BooleanField("Children welcome")
    age_bands = MultiCheckboxField("Ages it suits", choices=list(AGE_BANDS.items()))
    bring_a_dish = BooleanField("Bring a dish to share")
    accessibility_notes = StringField("Access information", validators=[Optional(), Length(max=500), SingleLine()])
    capacity = IntegerField("Places (people, counting children)", validators=[
        Optional(), NumberRange(1, 10000, "Places must be from 1 to 10,000, or empty for no limit.")])
    rsvp_deadline_date = DateField("Reply by (date)", validators=[Optional()])
    takes_register = BooleanField("Take a register of who came")
    edit_version = EditVersionField()
    scope = RadioField("Change", choices=[("this", "Only this meeting"), ("series", "This and all later meetings")],
                       default="this", validators=[Optional()])

    def local_start(self) -> datetime:
        return datetime.combine(self.start_date.data, time(0) if self.all_day.data else self.start_time.data)

    def to_details(self) -> EventDetails:
        zone = local_zone()
        start_day = self.start_date.data
        end_day = self.end_date.data or start_day
        if self.all_day.data:
            local_start = datetime.combine(start_day, time(0))
            local_end = datetime.combine(end_day + timedelta(days=1), time(0))
        else:
            local_start = datetime.combine(start_day, self.start_time.data)
            local_end = datetime.combine(end_day, self.end_time.data)

        def utc(value: datetime) -> datetime:
            return value.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)

        deadline = None
        if self.rsvp_deadline_date.data:
            deadline = utc(datetime.combine(self.rsvp_deadline_date.data, time(23, 59)))
        return EventDetails(
            kind=self.kind.data, title=self.title.data.strip(), starts_at=utc(local_start), ends_at=utc(local_end),
            description_md=self.description.data or "", all_day=self.all_day.data,
            venue_name=(self.venue_name.data or "").strip(), venue_address=(self.venue_address.data or "").strip(),
            map_url=self.map_url.data or "", online_url=self.online_url.data or "",
            visibility=self.visibility.data, children_welcome=self.children_welcome.data,
            age_bands=",".join(b for b in AGE_BANDS if b in (self.age_bands.data or [])),
            bring_a_dish=self.bring_a_dish.data, accessibility_notes=(self.accessibility_notes.data or "").strip(),
            capacity=self.capacity.data, rsvp_deadline=deadline, takes_register=self.takes_register.data,
        )

    def fill_from(self, event) -> None:
        start, end = to_local(event.starts_at), to_local(event.ends_at)
        self.title.data, self.kind.data, self.description.data = event.title, event.kind, event.description_md
        self.start_date.data, self.all_day.data = start.date(), event.all_day
        self.start_time.data, self.end_time.data = start.time(), end.time()
        self.end_date.data = (end - timedelta(days=1)).date() if event.all_day else end.date()
        for name in ("venue_name", "venue_address", "map_url", "online_url", "visibility", "children_welcome",
                     "bring_a_dish", "accessibility_notes", "capacity", "takes_register"):
            getattr(self, name).data = getattr(event, name)
        self.age_bands.data = [b for b in event.age_bands.split(",") if b]
        self.rsvp_deadline_date.data = to_local(event.rsvp_deadline).date() if event.rsvp_deadline else None
        self.edit_version.data = event.edit_version


class RSVPForm(FlaskForm):
    response = RadioField("Are you coming?", choices=[("going", "Yes, I'm coming"), ("not_going", "No, I can't come")],
                          default="going", validators=[InputRequired("Choose whether you're coming.")])
    adults = IntegerField("Adults (including you)", default=1, validators=[
        Optional(), NumberRange(0, 20, "Adults must be from 0 to 20.")])
    children = IntegerField("Children", default=0, validators=[
        Optional(), NumberRange(0, 20, "Children must be from 0 to 20.")])
    note = StringField("A short note (optional), e.g. 'bringing a curry'", validators=[Optional(), Length(max=200), SingleLine()])


class CancelForm(FlaskForm):
    reason = TextAreaField("Why is it cancelled? (sent to everyone going)", validators=[
        DataRequired("Say briefly why; people going are told."), Length(max=1000), MultiLine()])


class EndSeriesForm(FlaskForm):
    last_date = DateField("Last meeting on", validators=[InputRequired("Enter the date of the last meeting.")])
