"""Forms for events, replies and the register."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from ..core.forms import MultiCheckboxField, MultiLine, SingleLine, required
from ..core.timefmt import local_zone, to_local
from ..core.versions import EditVersionField
from .models import AGE_BANDS, KINDS, VISIBILITIES, RsvpResponse
from .recurrence import DAY_NAMES, NTH_CHOICES, REPEAT_CHOICES, WEEKDAYS, RecurrenceError, build_rule
from .scheduling import EventDetails

LONG_EVENT = timedelta(days=1)


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
    kind = SelectField(
        "Kind of event",
        choices=[("", "Choose one"), *KINDS.items()],
        validators=[DataRequired("Choose the kind of event.")],
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=10000), MultiLine()])
    start_date = DateField("Date", validators=[InputRequired("Enter the date, like 2026-12-01.")])
    start_time = TimeField("Starts at", validators=[_time_unless_all_day("a start time")])
    end_date = DateField("Ends on (if a different day)", validators=[Optional()])
    end_time = TimeField("Ends at", validators=[_time_unless_all_day("an end time")])
    all_day = BooleanField("All-day event")
    repeat = SelectField("Repeats", choices=list(REPEAT_CHOICES.items()), validators=[Optional()])
    repeat_weekday = SelectField(
        "On which day of the week",
        validators=[Optional()],
        choices=[("", "The day of the first meeting"), *zip(WEEKDAYS, DAY_NAMES, strict=True)],
    )
    repeat_nth = SelectField(
        "Which one in the month", validators=[Optional()], choices=[("", "As the first meeting"), *NTH_CHOICES.items()]
    )
    repeat_weeks = IntegerField(
        "How many weeks apart", validators=[Optional(), NumberRange(2, 12, "Enter a number of weeks from 2 to 12.")]
    )
    custom_rule = StringField("Custom rule", validators=[Optional(), Length(max=200), SingleLine()])
    venue_name = StringField("Venue", validators=[Optional(), Length(max=140), SingleLine()])
    venue_address = StringField("Venue address", validators=[Optional(), Length(max=300), SingleLine()])
    map_url = URLField(
        "Map link", validators=[Optional(), Length(max=500), URL(message="Enter a full link."), _web_link, SingleLine()]
    )
    online_url = URLField(
        "Online joining link (shown only to people going)",
        validators=[Optional(), Length(max=500), URL(message="Enter a full link."), _web_link, SingleLine()],
    )
    visibility = RadioField(
        "Who can see it",
        choices=list(VISIBILITIES.items()),
        default="members",
        validators=[InputRequired("Choose who can see the event.")],
    )
    children_welcome = BooleanField("Children welcome")
    age_bands = MultiCheckboxField("Ages it suits", choices=list(AGE_BANDS.items()))
    bring_a_dish = BooleanField("Bring a dish to share")
    accessibility_notes = StringField("Access information", validators=[Optional(), Length(max=500), SingleLine()])
    capacity = IntegerField(
        "Places (people, counting children)",
        validators=[Optional(), NumberRange(1, 10000, "Places must be from 1 to 10,000, or empty for no limit.")],
    )
    rsvp_deadline_date = DateField("Reply by (date)", validators=[Optional()])
    takes_register = BooleanField("Take a register of who came")
    # Shown only once the event turns out longer than a day (see validate).
    confirm_long = BooleanField("Yes, it lasts more than a day")
    edit_version = EditVersionField()
    scope = RadioField(
        "Change",
        choices=[("this", "Only this meeting"), ("series", "This and all later meetings")],
        default="this",
        validators=[Optional()],
    )

    # Set by the view before validating: the event as saved (None for a new one), and whether
    # the editor may write a raw recurrence rule (admins only).
    saved = None
    rule: str | None = None
    asked_long = False  # validate asked to confirm a long event: the page shows the tick box
    offers_custom_rule = True  # False (and no "custom" choice) for an editor who may not write one

    @classmethod
    def for_editor(cls, editor, saved=None) -> EventForm:
        form = cls()
        form.saved = saved
        if not editor.has_any_role("admin"):
            form.offers_custom_rule = False
            form.repeat.choices = [(value, label) for value, label in REPEAT_CHOICES.items() if value != "custom"]
        return form

    def local_start(self) -> datetime:
        """The start as typed (naive local): for a form with its date, and its time unless all day."""
        day, clock = self.start_date.data, time(0) if self.all_day.data else self.start_time.data
        assert day is not None and clock is not None, "keep_duration checks both before asking"
        return datetime.combine(day, clock)

    def _local_span(self) -> tuple[datetime, datetime] | None:
        """Start and end as typed (naive local), or None while a part is missing or unreadable."""
        if self.start_date.data is None or self.start_date.errors:
            return None
        end_day = self.end_date.data or self.start_date.data
        if self.all_day.data:
            return datetime.combine(self.start_date.data, time(0)), datetime.combine(
                end_day + timedelta(days=1), time(0)
            )
        if self.start_time.data is None or self.end_time.data is None:
            return None
        return datetime.combine(self.start_date.data, self.start_time.data), datetime.combine(
            end_day, self.end_time.data
        )

    def validate(self, extra_validators=None) -> bool:
        """Every field, then what fields say together (end after start, not in the past, the reply
        deadline, how it repeats, a long event confirmed), so one submit reports every problem."""
        valid = super().validate(extra_validators)
        span = self._local_span()
        if span is None:
            return valid
        start, end = span
        now = datetime.now(local_zone()).replace(tzinfo=None)
        saved = self.saved
        saved_start = to_local(saved.starts_at).replace(tzinfo=None) if saved is not None else None
        problems: list[tuple] = []
        if end <= start:
            problems.append(
                (
                    self.end_time if not self.all_day.data else self.end_date,
                    "The event must end after it starts. Check the end date and time.",
                )
            )
        elif end - start > LONG_EVENT and not self.confirm_long.data and not self._length_unchanged(start, end):
            self.asked_long = True
            problems.append(
                (
                    self.end_date,
                    f"This event would last {_length_words(end - start)}, from "
                    f"{_when_words(start)} to {_when_words(end)}. If that's right, tick “Yes, it lasts "
                    f"more than a day” below and save again; if not, correct the end.",
                )
            )
        in_past = start.date() < now.date() if self.all_day.data else start < now
        if in_past and start != saved_start:
            problems.append((self.start_date, "That start is in the past. Enter a date and time from now on."))
        if self.rsvp_deadline_date.data and self.rsvp_deadline_date.data > start.date():
            problems.append(
                (self.rsvp_deadline_date, "The reply-by date must be on or before the day the event starts.")
            )
        if saved is None and self.repeat.data and not self.repeat.errors:
            try:
                self.rule = build_rule(
                    self.repeat.data,
                    start,
                    self.custom_rule.data or "",
                    self.repeat_weekday.data or "",
                    self.repeat_nth.data or "",
                    self.repeat_weeks.data,
                )
            except RecurrenceError as error:
                problems.append((self[error.field], str(error)))
        for field, message in problems:
            field.errors = [*field.errors, message]
        return valid and not problems

    def _length_unchanged(self, start: datetime, end: datetime) -> bool:
        """A long event saved before was confirmed then: ask again only if its length changes."""
        saved = self.saved
        return saved is not None and saved.ends_at - saved.starts_at == (
            end.replace(tzinfo=local_zone()) - start.replace(tzinfo=local_zone())
        )

    def keep_duration(self, saved) -> None:
        """Editing: when the start moves and the end was left as it was, the end moves with it, so
        the event keeps its length (a 2-hour meeting moved to Thursday still lasts 2 hours)."""
        start, end = to_local(saved.starts_at), to_local(saved.ends_at)
        shown_end_day = None if end.date() == start.date() else end.date()
        if saved.all_day:
            last_day = (end - timedelta(days=1)).date()
            shown_end_day = None if last_day == start.date() else last_day
        if self.start_date.data is None or bool(self.all_day.data) != saved.all_day:
            return
        if self.end_date.data not in (None, shown_end_day) and not (
            shown_end_day is None and self.end_date.data == start.date()
        ):
            return  # the organiser changed the end date
        if not saved.all_day and (
            self.end_time.data != end.time().replace(tzinfo=None) or self.start_time.data is None
        ):
            return  # the organiser changed the end time
        new_start = self.local_start()
        if new_start == start.replace(tzinfo=None):
            return
        if saved.all_day:
            days = (end - start).days - 1
            self.end_date.data = new_start.date() + timedelta(days=days) if days else None
            return
        new_end = new_start + (end.replace(tzinfo=None) - start.replace(tzinfo=None))
        self.end_date.data = None if new_end.date() == new_start.date() else new_end.date()
        self.end_time.data = new_end.time()

    def to_details(self) -> EventDetails:
        zone = local_zone()
        span = self._local_span()
        # Read from a validated form: the date is required, and both times unless it is all day.
        assert span is not None, "to_details() reads a form that validated"
        local_start, local_end = span

        def utc(value: datetime) -> datetime:
            return value.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)

        deadline = None
        if self.rsvp_deadline_date.data:
            deadline = utc(datetime.combine(self.rsvp_deadline_date.data, time(23, 59)))
        return EventDetails(
            kind=self.kind.data,
            title=required(self.title).strip(),
            starts_at=utc(local_start),
            ends_at=utc(local_end),
            description_md=self.description.data or "",
            all_day=self.all_day.data,
            venue_name=(self.venue_name.data or "").strip(),
            venue_address=(self.venue_address.data or "").strip(),
            map_url=self.map_url.data or "",
            online_url=self.online_url.data or "",
            visibility=self.visibility.data,
            children_welcome=self.children_welcome.data,
            age_bands=",".join(b for b in AGE_BANDS if b in (self.age_bands.data or [])),
            bring_a_dish=self.bring_a_dish.data,
            accessibility_notes=(self.accessibility_notes.data or "").strip(),
            capacity=self.capacity.data,
            rsvp_deadline=deadline,
            takes_register=self.takes_register.data,
        )

    def fill_from(self, event) -> None:
        start, end = to_local(event.starts_at), to_local(event.ends_at)
        self.title.data, self.kind.data, self.description.data = event.title, event.kind, event.description_md
        self.start_date.data, self.all_day.data = start.date(), event.all_day
        self.start_time.data, self.end_time.data = start.time(), end.time()
        last_day = (end - timedelta(days=1)).date() if event.all_day else end.date()
        # Empty when it ends the day it starts: a filled-in end date would stay behind when the start moves.
        self.end_date.data = None if last_day == start.date() else last_day
        for name in (
            "venue_name",
            "venue_address",
            "map_url",
            "online_url",
            "visibility",
            "children_welcome",
            "bring_a_dish",
            "accessibility_notes",
            "capacity",
            "takes_register",
        ):
            getattr(self, name).data = getattr(event, name)
        self.age_bands.data = [b for b in event.age_bands.split(",") if b]
        self.rsvp_deadline_date.data = to_local(event.rsvp_deadline).date() if event.rsvp_deadline else None
        self.edit_version.data = str(event.edit_version)


def _length_words(length: timedelta) -> str:
    days, hours = length.days, length.seconds // 3600
    words = [f"{days} {'day' if days == 1 else 'days'}"]
    if hours:
        words.append(f"{hours} {'hour' if hours == 1 else 'hours'}")
    return " and ".join(words)


def _when_words(local: datetime) -> str:
    return f"{local:%a} {local.day} {local:%b} {local:%H:%M}"


class _NeededIfGoing:
    """A number needed only with "Yes, I'm coming" ("I can't come any more" sends none)."""

    field_flags = {"required": True}

    def __init__(self, message: str, absent_ok: bool = False):
        self.message, self.absent_ok = message, absent_ok

    def __call__(self, form, field):
        if form.response.data != RsvpResponse.GOING or (self.absent_ok and not field.raw_data):
            field.errors[:] = []
            raise StopValidation()
        if not field.raw_data or not str(field.raw_data[0]).strip():
            field.errors[:] = []
            raise StopValidation(self.message)


class RSVPForm(FlaskForm):
    response = RadioField(
        "Are you coming?",
        choices=[(RsvpResponse.GOING, "Yes, I'm coming"), (RsvpResponse.NOT_GOING, "No, I can't come")],
        default=RsvpResponse.GOING,
        validators=[InputRequired("Choose whether you're coming.")],
    )
    adults = IntegerField(
        "Adults, including you",
        default=1,
        validators=[
            _NeededIfGoing("Enter how many adults are coming, including you."),
            NumberRange(0, 20, "Adults must be from 0 to 20."),
        ],
    )
    children = IntegerField(
        "Children",
        default=0,
        validators=[
            _NeededIfGoing(
                "Enter how many children are coming, or 0.", absent_ok=True
            ),  # not asked at adults-only events
            NumberRange(0, 20, "Children must be from 0 to 20."),
        ],
    )
    note = StringField("A short note, e.g. 'bringing a curry'", validators=[Optional(), Length(max=200), SingleLine()])
    # Asked only when the party is bigger than the places left (rsvps.PartyTooBig).
    split = RadioField(
        "What would you like to do?",
        choices=[("book_now", "Book the places left"), ("waitlist_all", "Put everyone on the waiting list")],
        validate_choice=False,
        validators=[Optional()],
    )
    places_seen = IntegerField(validators=[Optional()])


class CancelForm(FlaskForm):
    reason = TextAreaField(
        "Why is it cancelled? (sent to everyone going)",
        validators=[DataRequired("Say briefly why; people going are told."), Length(max=1000), MultiLine()],
    )


class _LastMeetingDate(DateField):
    """A date field that says what it wants when it can't read the date (not WTForms' "Not a valid date value")."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Enter the date of the last meeting, like 2027-06-30.") from error


class EndSeriesForm(FlaskForm):
    last_date = _LastMeetingDate("Last meeting on", validators=[InputRequired("Enter the date of the last meeting.")])
