"""The feedback pack: compiled from the items triaged for a meeting and checked for personal data.

Compiling takes a fixed number of queries however many items there are. Every wording in the pack
(the items, and the carried-forward items with their history) is checked for the "service" place;
a finding is resolved by rewording or by a strategy member's review with a reason, and the pack
says truthfully what was done. Issuing it is issuing.py's.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Protocol

from flask import render_template
from sqlalchemy import BindParameter, Select, bindparam, distinct, func, or_, select, union, union_all
from sqlalchemy.orm import aliased

from ..core.csv_safety import csv_writer
from ..core.database import utcnow
from ..core.errors import DomainError
from ..core.pdf import render_pdf
from ..core.personal_data import Finding
from ..core.timefmt import format_date
from ..extensions import db
from .models import KINDS, FeedbackItem, ItemOutcome, ItemSupport, ServiceMeeting, Theme
from .wording import checked_for, findings


class PackError(DomainError):
    """A pack that can't be issued yet; ``str(error)`` says why."""


@dataclass(slots=True)
class PackEntry:
    """One item as the pack shows it: only the columns the pack uses, read as plain values rather
    than ORM objects (a pack can hold a thousand items). Never who raised it."""

    id: int
    kind: str
    theme_id: int | None
    pack_wording: str
    wording_reviewed_at: datetime | None = None
    status: str = ""
    review_reason: str = ""

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)


@dataclass(slots=True)
class HeldAt:
    """The meeting an outcome was recorded at, as the pack shows it."""

    held_at: datetime


@dataclass(slots=True)
class OutcomeEntry:
    """What the service said and agreed at one meeting, as the pack shows it."""

    response: str
    action: str
    owner: str
    due_on: date | None
    status: str


class _Checked(Protocol):
    """What the review rules below read: a PackItem, and a CarriedAction that borrows them."""

    @property
    def item(self) -> PackEntry: ...
    @property
    def findings(self) -> list[Finding]: ...


@dataclass
class PackItem:
    item: PackEntry
    raised_by: int
    findings: list[Finding]

    @property
    def needs_review(self: _Checked) -> bool:
        return bool(self.findings) and self.item.wording_reviewed_at is None

    @property
    def reviewed(self: _Checked) -> bool:
        """Flagged by the check, and judged safe by a strategy member with a reason."""
        return bool(self.findings) and self.item.wording_reviewed_at is not None


@dataclass
class CarriedAction:
    item: PackEntry
    history: list[tuple[HeldAt, OutcomeEntry]]  # oldest first; the last one is still open
    findings: list[Finding] = field(default_factory=list)  # in the wording or any answer shown with it

    needs_review = PackItem.needs_review
    reviewed = PackItem.reviewed


@dataclass
class Pack:
    meeting: ServiceMeeting
    period_from: datetime | None
    themes: list[tuple[str, list[PackItem]]] = field(default_factory=list)
    good_practice: list[PackItem] = field(default_factory=list)
    carried: list[CarriedAction] = field(default_factory=list)

    @property
    def items(self) -> list[PackItem]:
        return [p for _, group in self.themes for p in group] + self.good_practice

    @property
    def checked(self) -> list[PackItem | CarriedAction]:
        """Every entry whose words go to the service."""
        return self.items + self.carried

    @property
    def needing_review(self) -> list[PackItem | CarriedAction]:
        """Entries with a finding nobody has resolved: the pack can't be issued while there are any."""
        return [p for p in self.checked if p.needs_review]

    @property
    def reviewed(self) -> list[PackItem | CarriedAction]:
        return [p for p in self.checked if p.reviewed]

    def check_statement(self, on: datetime) -> str:
        """What the pack says about its check: what was actually done, never more."""
        reviewed, waiting = len(self.reviewed), len(self.needing_review)
        done = (
            [f"{reviewed} {'wording' if reviewed == 1 else 'wordings'} reviewed by the strategy group"]
            if reviewed
            else []
        )
        if waiting:  # only ever in a preview: a pack with these can't be issued
            done.append(f"{waiting} flagged and not yet resolved")
        outcome = "; ".join(done or ["the check flagged no wording"])
        return f"Checked automatically for {checked_for()} on {format_date(on)}; {outcome}."

    @property
    def counts(self) -> dict[str, int]:
        items = self.items
        return {
            "items": len(items),
            "issues": sum(p.item.kind == "issue" for p in items),
            "suggestions": sum(p.item.kind == "suggestion" for p in items),
            "good_practice": len(self.good_practice),
            "carers": sum(p.raised_by for p in items),
            "carried_forward": len(self.carried),
        }


OPEN_ACTION = ("open", "in_progress")


# The statements below are built once, on first use (not at import: that would configure the
# mappers before every model is imported); only their parameters change from pack to pack.


@cache
def _pack_items_query() -> Select:
    """A meeting's pack items (``:meeting_id``), each with how many carers raised it: its author,
    the authors of items merged into it and its supporters, each carer once."""
    meeting_id: BindParameter[int] = bindparam("meeting_id")
    kept = FeedbackItem.status.not_in(("merged", "declined"))
    # A UNION, not an OR: each half is served by its own index (an OR with a subquery is a scan).
    in_pack = union(
        select(FeedbackItem.id).where(FeedbackItem.meeting_id == meeting_id, kept),
        select(FeedbackItem.id).where(FeedbackItem.id.in_(_first_answered_at()), kept),
    )
    carers = union_all(
        select(FeedbackItem.id.label("item_id"), FeedbackItem.author_id.label("member_id")).where(
            FeedbackItem.id.in_(in_pack),
            or_(FeedbackItem.merged_into_id.is_(None), FeedbackItem.merged_into_id.not_in(in_pack)),
        ),
        select(FeedbackItem.merged_into_id, FeedbackItem.author_id).where(FeedbackItem.merged_into_id.in_(in_pack)),
        select(ItemSupport.item_id, ItemSupport.member_id).where(ItemSupport.item_id.in_(in_pack)),
    ).subquery()
    raised = (
        select(carers.c.item_id, func.count(distinct(carers.c.member_id)).label("carers"))
        .group_by(carers.c.item_id)
        .subquery()
    )
    return (
        select(
            FeedbackItem.id,
            FeedbackItem.kind,
            FeedbackItem.theme_id,
            FeedbackItem.pack_wording,
            FeedbackItem.wording_reviewed_at,
            FeedbackItem.status,
            FeedbackItem.wording_review_reason,
            raised.c.carers,
        )
        .outerjoin(raised, raised.c.item_id == FeedbackItem.id)
        .where(FeedbackItem.id.in_(in_pack))
    )


def _first_answered_at() -> Select:
    """The items the service first answered at ``:meeting_id``: they were in its pack.

    Recording an action still to do takes the item off the meeting (``record_outcome`` clears
    ``meeting_id``, so the next pack carries it forward); the meeting's own pack must still list
    it, as the version it was issued with did. An item with an answer at an earlier meeting came
    to this one carried forward, and is listed there instead."""
    this_meeting, earlier_outcome, earlier_meeting = (
        aliased(ServiceMeeting),
        aliased(ItemOutcome),
        aliased(ServiceMeeting),
    )
    return (
        select(ItemOutcome.item_id)
        .join(this_meeting, this_meeting.id == ItemOutcome.meeting_id)
        .where(
            ItemOutcome.meeting_id == bindparam("meeting_id"),
            ~select(earlier_outcome.id)
            .join(earlier_meeting, earlier_meeting.id == earlier_outcome.meeting_id)
            .where(earlier_outcome.item_id == ItemOutcome.item_id, earlier_meeting.held_at < this_meeting.held_at)
            .exists(),
        )
    )


@cache
def _carried_forward_query() -> Select:
    """Every outcome before ``:before`` of the items whose latest outcome before then is still an
    open action (one that is open or in progress, with no later outcome), oldest first."""
    before: BindParameter[datetime] = bindparam("before")
    later_outcome, later_meeting = aliased(ItemOutcome), aliased(ServiceMeeting)
    still_open = (
        select(ItemOutcome.item_id)
        .join(ServiceMeeting, ServiceMeeting.id == ItemOutcome.meeting_id)
        .where(
            ServiceMeeting.held_at < before,
            ItemOutcome.status.in_(OPEN_ACTION),
            ~select(later_outcome.id)
            .join(later_meeting, later_meeting.id == later_outcome.meeting_id)
            .where(
                later_outcome.item_id == ItemOutcome.item_id,
                later_meeting.held_at > ServiceMeeting.held_at,
                later_meeting.held_at < before,
            )
            .exists(),
        )
    )
    return (
        select(
            FeedbackItem.id,
            FeedbackItem.kind,
            FeedbackItem.theme_id,
            FeedbackItem.pack_wording,
            FeedbackItem.wording_reviewed_at,
            FeedbackItem.wording_review_reason,
            ServiceMeeting.held_at,
            ItemOutcome.response,
            ItemOutcome.action,
            ItemOutcome.owner,
            ItemOutcome.due_on,
            ItemOutcome.status,
        )
        .join(ItemOutcome, ItemOutcome.item_id == FeedbackItem.id)
        .join(ServiceMeeting, ServiceMeeting.id == ItemOutcome.meeting_id)
        .where(ServiceMeeting.held_at < before, FeedbackItem.id.in_(still_open))
        .order_by(ServiceMeeting.held_at, ItemOutcome.id)
    )


@cache
def _previous_meeting_query() -> Select:
    """When the last meeting before ``:before`` (other than ``:meeting_id``) was held."""
    return (
        select(ServiceMeeting.held_at)
        .where(ServiceMeeting.held_at < bindparam("before"), ServiceMeeting.id != bindparam("meeting_id"))
        .order_by(ServiceMeeting.held_at.desc())
        .limit(1)
    )


@cache
def _themes_query() -> Select:
    return select(Theme.id, Theme.name, Theme.position)


def compile_pack(meeting: ServiceMeeting) -> Pack:
    """Everything that goes in ``meeting``'s pack, grouped by theme and ordered by support.

    Four queries however many items and however much history: the previous meeting's date, the
    items with how many carers raised each, the themes, and the actions carried forward with
    their history. Plain columns, no ORM objects (a pack can hold a thousand items): the cost
    follows the items in this pack and the actions still open, not everything ever recorded."""
    db.session.flush()  # plain connection queries below: let them see changes not yet flushed
    connection = db.session.connection()
    previous = connection.scalar(_previous_meeting_query(), {"before": meeting.held_at, "meeting_id": meeting.id})
    rows = connection.execute(_pack_items_query(), {"meeting_id": meeting.id}).all()
    themes = {theme_id: (name, position) for theme_id, name, position in connection.execute(_themes_query())}
    pack = Pack(meeting, previous)
    grouped: dict[str, list[PackItem]] = {}
    for item_id, kind, theme_id, wording, reviewed_at, status, reason, carers in rows:
        item = PackEntry(item_id, kind, theme_id, wording, reviewed_at, status, reason)
        entry = PackItem(item, max(carers or 0, 1), findings(wording))
        if kind == "good_practice":
            pack.good_practice.append(entry)
        else:
            theme = themes.get(theme_id)
            grouped.setdefault(theme[0] if theme else "Other", []).append(entry)
    order = {name: (position, name) for name, position in themes.values()}
    for name in sorted(grouped, key=lambda n: order.get(n, (10_000, n))):
        pack.themes.append((name, sorted(grouped[name], key=lambda p: (-p.raised_by, p.item.id))))
    pack.good_practice.sort(key=lambda p: (-p.raised_by, p.item.id))
    pack.carried = carried_forward(meeting)
    return pack


def carried_forward(meeting: ServiceMeeting) -> list[CarriedAction]:
    """Actions still open from earlier meetings, each with its history, in one query.

    An item is carried forward when its latest outcome before this meeting is open or in progress.
    The database picks those items and only their outcomes are read, as plain columns: no ORM
    objects for every outcome ever recorded, as there were."""
    carried: dict[int, CarriedAction] = {}
    for (
        item_id,
        kind,
        theme_id,
        wording,
        reviewed_at,
        reason,
        held_at,
        response,
        action,
        owner,
        due_on,
        status,
    ) in db.session.connection().execute(_carried_forward_query(), {"before": meeting.held_at}):
        entry = carried.get(item_id)
        if entry is None:
            entry = carried[item_id] = CarriedAction(
                PackEntry(item_id, kind, theme_id, wording, reviewed_at, review_reason=reason), [], findings(wording)
            )
        entry.history.append((HeldAt(held_at), OutcomeEntry(response, action, owner, due_on, status)))
        entry.findings += findings(response, action)
    return list(carried.values())


def render_pack_html(pack: Pack, generated_at: datetime | None = None) -> str:
    """The pack document (the web copy and the PDF's source), with its check statement as of now."""
    generated_at = generated_at or utcnow()
    return render_template(
        "strategy/pack_document.html",
        pack=pack,
        generated_at=generated_at,
        check_statement=pack.check_statement(generated_at),
    )


def render_pack_pdf(html: str) -> bytes:
    """The PDF the service receives, made from the pack document (its <title> is the PDF's title)."""
    return render_pdf(html)


def pack_csv(pack: Pack) -> str:
    out = io.StringIO()
    writer = csv_writer(out)  # every cell, theme and wording alike, safe from running as a formula
    writer.writerow(["section", "theme", "kind", "raised_by_carers", "wording"])
    for theme, group in pack.themes:
        for entry in group:
            writer.writerow(["raised", theme, entry.item.kind_label, entry.raised_by, entry.item.pack_wording])
    for entry in pack.good_practice:
        writer.writerow(["good practice", "", entry.item.kind_label, entry.raised_by, entry.item.pack_wording])
    for carried in pack.carried:
        last = carried.history[-1][1]
        writer.writerow(
            [
                "carried forward",
                "",
                carried.item.kind_label,
                "",
                carried.item.pack_wording + " — action: " + last.action,
            ]
        )
    return out.getvalue()
