"""Taking the register of a meeting: who came, walk-ins, and guests who are not members.

The register opens when the meeting starts and can be changed for ``REGISTER_OPEN_DAYS`` after it
ends; then it is closed. It is first written on the first save, as a copy of the meeting as it was
held (see ``Register``), with a line for each person who said they were going. Every change is in
the audit log. Members who came to a training event get a certificate code.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..core.audit import record
from ..core.database import contains_pattern, insert_or_ignore, utcnow
from ..core.errors import DomainError
from ..core.timefmt import format_datetime
from ..events.models import RSVP, Event, EventStatus, RsvpResponse
from ..extensions import db
from ..members.models import Member, MemberStatus
from .models import REGISTER_OPEN_DAYS, Register, RegisterEntry, TrainingCourse

# How many members the walk-in search offers at once.
SEARCH_LIMIT = 10


class RegisterError(DomainError):
    """A register change that cannot be made; ``str(error)`` says why."""


@dataclass
class RegisterLine:
    """One person on the sheet: a member going or walked in, or a guest."""

    name: str
    member_id: int | None
    entry_id: int | None
    adults: int
    children: int
    attended: bool | None  # None: not marked yet
    walk_in: bool = False
    organisation: str = ""

    @property
    def is_guest(self) -> bool:
        return self.member_id is None


@dataclass
class RegisterSheet:
    """What the register page shows: the meeting, its lines and whether they can still be changed."""

    event: Event
    register: Register | None
    lines: list[RegisterLine] = field(default_factory=list)
    now: datetime = field(default_factory=utcnow)

    @property
    def held_from(self) -> datetime:
        return self.register.held_from if self.register else self.event.starts_at

    @property
    def closes_at(self) -> datetime:
        return self.register.closes_at if self.register else closing_time(self.event.ends_at)

    @property
    def not_started(self) -> bool:
        return self.now < self.held_from

    @property
    def closed(self) -> bool:
        return self.now >= self.closes_at

    @property
    def is_open(self) -> bool:
        return not self.not_started and not self.closed and not (self.register is None and self.event.is_cancelled)

    @property
    def came(self) -> list[RegisterLine]:
        return [line for line in self.lines if line.attended]

    @property
    def people_came(self) -> tuple[int, int]:
        """Adults and children who came (a guest is one adult)."""
        return sum(line.adults for line in self.came), sum(line.children for line in self.came)

    @property
    def member_ids(self) -> set[int]:
        return {line.member_id for line in self.lines if line.member_id is not None}


def closing_time(held_until: datetime) -> datetime:
    return held_until + timedelta(days=REGISTER_OPEN_DAYS)


def register_of(event: Event) -> Register | None:
    return db.session.scalar(select(Register).where(Register.event_id == event.id))


def sheet(event: Event, now: datetime | None = None) -> RegisterSheet:
    """The register of ``event``: its saved lines, then anyone going who is not on it yet.

    Three statements whatever the number of people: the register, its entries with their members,
    and the replies of people going with theirs.
    """
    register = register_of(event)
    lines: list[RegisterLine] = []
    on_register: set[int] = set()
    if register is not None:
        entries = db.session.scalars(
            select(RegisterEntry)
            .options(selectinload(RegisterEntry.member))
            .where(RegisterEntry.register_id == register.id)
            .order_by(RegisterEntry.walk_in, RegisterEntry.id)
        )
        for entry in entries:
            if entry.member_id is not None:
                on_register.add(entry.member_id)
            lines.append(_line_of(entry))
    for rsvp in _going(event):
        if rsvp.member_id not in on_register:
            lines.append(RegisterLine(rsvp.member.display_name, rsvp.member_id, None, rsvp.adults, rsvp.children, None))
    return RegisterSheet(event, register, lines, now or utcnow())


def _line_of(entry: RegisterEntry) -> RegisterLine:
    name = entry.member.display_name if entry.member is not None else (entry.guest_name or "Former member")
    return RegisterLine(
        name,
        entry.member_id,
        entry.id,
        entry.adults,
        entry.children,
        entry.attended,
        entry.walk_in,
        entry.guest_organisation,
    )


def _going(event: Event) -> list[RSVP]:
    return list(
        db.session.scalars(
            select(RSVP)
            .options(selectinload(RSVP.member))
            .where(RSVP.event_id == event.id, RSVP.response == RsvpResponse.GOING)
            .order_by(RSVP.created_at, RSVP.id)
        )
    )


def _open_register(event: Event, actor: Member, now: datetime) -> Register:
    """The event's register, written now if this is its first save; refused when it can't be changed."""
    register = register_of(event)
    if register is None:
        if now < event.starts_at:
            raise RegisterError(
                f"The register opens when the meeting starts ({format_datetime(event.starts_at)}). "
                "Come back then to tick off who came."
            )
        if event.status == EventStatus.CANCELLED:
            raise RegisterError("This meeting was cancelled, so there is no register to take.")
        if now >= closing_time(event.ends_at):
            raise RegisterError(_closed_words(closing_time(event.ends_at)))
        # Two organisers saving the first time together: one writes it, the other finds it.
        insert_or_ignore(
            Register,
            event_id=event.id,
            title=event.title,
            kind=event.kind,
            held_from=event.starts_at,
            held_until=event.ends_at,
            closes_at=closing_time(event.ends_at),
            taken_by_id=actor.id,
            created_at=now,
            updated_at=now,
        )
        register = register_of(event)
        assert register is not None, "inserted above, or by the request that got there first"
        record("register.opened", register, "", actor=actor)
    elif now >= register.closes_at:
        raise RegisterError(_closed_words(register.closes_at))
    if register.kind == "training":
        course = db.session.get(TrainingCourse, event.id)
        register.minutes = course.minutes if course else None
    return register


def _closed_words(closed_at: datetime) -> str:
    return (
        f"This register closed on {format_datetime(closed_at)}, {REGISTER_OPEN_DAYS} days after the meeting. "
        "If something in it is wrong, please ask the committee."
    )


def _entries_by_member(register: Register) -> dict[int | None, RegisterEntry]:
    return {
        entry.member_id: entry
        for entry in db.session.scalars(select(RegisterEntry).where(RegisterEntry.register_id == register.id))
        if entry.member_id is not None
    }


def _with_everyone_going(event: Event, register: Register) -> dict[int | None, RegisterEntry]:
    """The register's member lines, adding a line for each person going who has none yet.

    Inserted with ON CONFLICT DO NOTHING: two people saving the register at once both add the
    missing lines, and the second finds them there instead of failing on the unique key.
    """
    entries = _entries_by_member(register)
    missing = [
        rsvp
        for rsvp in db.session.scalars(
            select(RSVP)
            .where(RSVP.event_id == event.id, RSVP.response == RsvpResponse.GOING)
            .order_by(RSVP.created_at, RSVP.id)
        )
        if rsvp.member_id not in entries
    ]
    for rsvp in missing:
        _insert_line(register, rsvp.member_id, adults=rsvp.adults, children=rsvp.children, walk_in=False)
    return _entries_by_member(register) if missing else entries


def _insert_line(register: Register, member_id: int, *, adults: int, children: int, walk_in: bool) -> bool:
    return insert_or_ignore(
        RegisterEntry,
        register_id=register.id,
        member_id=member_id,
        guest_name="",
        guest_organisation="",
        attended=None,
        walk_in=walk_in,
        adults=adults,
        children=children,
        updated_at=utcnow(),
    )


def _set_attended(entry: RegisterEntry, came: bool, register: Register, actor: Member) -> bool:
    if entry.attended is came:
        return False
    before = {None: "not marked", True: "came", False: "absent"}[entry.attended]
    entry.attended = came
    if came and register.kind == "training" and entry.member_id is not None and not entry.certificate_code:
        entry.certificate_code = new_certificate_code()
    # Who it was stays off the log: the admins who read it see that a line changed, not whose.
    who = "a guest" if entry.member_id is None else "a member"
    record("register.marked", register, f"{who}: {before} → {'came' if came else 'absent'}", actor=actor)
    return True


def new_certificate_code() -> str:
    """160 random bits as 32 capital letters and digits 2-7 (base 32): no one finds a certificate by
    trying codes, and someone typing one from paper meets no look-alike case, no 0/O or 1/I, and no
    hyphen that a line break could swallow."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def mark(event: Event, marks: dict[int, bool], actor: Member, now: datetime | None = None) -> int:
    """Save who came (member id -> came or not) of the people on the register; returns how many changed.

    Ids that are not on the register (not going, not walked in) are ignored: a crafted form cannot
    add anyone. Members not in ``marks`` keep what they had.
    """
    now = now or utcnow()
    register = _open_register(event, actor, now)
    entries = _with_everyone_going(event, register)
    changed = sum(
        _set_attended(entries[member_id], came, register, actor)
        for member_id, came in marks.items()
        if member_id in entries
    )
    register.updated_at = now
    db.session.flush()
    return changed


def mark_everyone_going(event: Event, actor: Member, now: datetime | None = None) -> int:
    """Mark everyone not marked yet as came (the quick start for a full room)."""
    now = now or utcnow()
    register = _open_register(event, actor, now)
    entries = _with_everyone_going(event, register)
    return sum(
        _set_attended(entry, True, register, actor)
        for entry in entries.values()
        if entry.attended is None and not entry.walk_in
    )


def add_walk_in(event: Event, member_id: int, actor: Member, adults: int = 1, children: int = 0) -> RegisterEntry:
    """A member who came without saying so: on the register as came (or marked came if already on it)."""
    now = utcnow()
    member = db.session.get(Member, member_id)
    if member is None or member.erased_at is not None or member.status != MemberStatus.ACTIVE:
        raise RegisterError("We couldn't find that member. Search by name and choose from the list.")
    register = _open_register(event, actor, now)
    entries = _with_everyone_going(event, register)
    entry = entries.get(member_id)
    if entry is None:
        _insert_line(register, member_id, adults=adults, children=children, walk_in=True)
        entry = _entries_by_member(register)[member_id]
        record("register.walk_in", register, "a member who came without replying", actor=actor)
    _set_attended(entry, True, register, actor)
    register.updated_at = now
    db.session.flush()
    return entry


def add_guest(event: Event, name: str, organisation: str, actor: Member) -> RegisterEntry:
    """A guest who is not a member (a social worker at joint training): name and organisation only."""
    name, organisation = " ".join(name.split()), " ".join(organisation.split())
    if not name:
        raise RegisterError("Please give the guest's name.", field="name")
    now = utcnow()
    register = _open_register(event, actor, now)
    entry = RegisterEntry(
        register_id=register.id,
        guest_name=name[:120],
        guest_organisation=organisation[:120],
        walk_in=True,
        attended=True,
        adults=1,
        children=0,
    )
    db.session.add(entry)
    db.session.flush()
    record("register.guest", register, "a guest who is not a member", actor=actor)
    register.updated_at = now
    return entry


def remove_line(event: Event, entry_id: int, actor: Member) -> str:
    """Take a walk-in or guest off the register (added by mistake); returns their name.

    People who said they were going stay on it: mark them absent instead.
    """
    now = utcnow()
    register = _open_register(event, actor, now)
    entry = db.session.scalar(
        select(RegisterEntry).where(RegisterEntry.id == entry_id, RegisterEntry.register_id == register.id)
    )
    if entry is None or not entry.walk_in:
        raise RegisterError("Only walk-ins and guests can be taken off; mark others as absent.")
    name = line_name(entry)
    record("register.removed", register, "a walk-in or guest added by mistake", actor=actor)
    db.session.delete(entry)
    register.updated_at = now
    db.session.flush()
    return name


def find_members(query: str, exclude: set[int]) -> list[Member]:
    """Active members whose name has ``query`` in it, for adding a walk-in (one statement)."""
    words = " ".join(query.split())[:80]
    if len(words) < 2:
        return []
    pattern = contains_pattern(words)
    statement = (
        select(Member)
        .where(
            func.lower(Member.name).like(pattern, escape="\\"),
            Member.status == MemberStatus.ACTIVE,
            Member.erased_at.is_(None),
        )
        .order_by(Member.name)
        .limit(SEARCH_LIMIT + len(exclude))
    )
    return [m for m in db.session.scalars(statement) if m.id not in exclude][:SEARCH_LIMIT]


def line_name(entry: RegisterEntry) -> str:
    """The name a register line shows: the member's (or "Former member"), or the guest's."""
    if entry.member_id is None:
        return entry.guest_name
    member = db.session.get(Member, entry.member_id)
    return member.display_name if member is not None else "Former member"
