"""After the meeting: what the service said and the actions agreed; open actions carry forward.
And 'you said, we did' for every member, without any names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Row, bindparam, func, select

from ..core.database import lock_row, utcnow
from ..core.errors import DomainError
from ..core.paging import Paging, paginate
from ..core.timefmt import format_date, to_local
from ..extensions import db
from .models import OUTCOME_STATUSES, OWNERS, FeedbackItem, ItemOutcome, ServiceMeeting, Theme
from .wording import findings, refusal


class OutcomeError(DomainError):
    """An outcome we can't record; ``str(error)`` says why, and ``field`` which answer it is about."""

    def __init__(self, message: str, field: str = "response"):
        super().__init__(message, field)


def meeting_held(meeting: ServiceMeeting) -> bool:
    """Whether the meeting has started: the service's answers can be recorded from then on."""
    return meeting.held_at <= utcnow()


def check_meeting_held(meeting: ServiceMeeting) -> None:
    """The service answers at the meeting: nothing can be recorded for one still to come."""
    if not meeting_held(meeting):
        raise OutcomeError(
            f"This meeting is on {format_date(meeting.held_at)} and hasn't happened yet. "
            "Record what the service said after the meeting.",
            field="meeting",
        )


def check_due_date(meeting: ServiceMeeting, due_on: date | None, status: str) -> None:
    """An action agreed at a meeting falls due after it; one still open or in progress falls due
    from today on (a date already passed would make it overdue the moment it is recorded)."""
    if due_on is None:
        return
    held_on = to_local(meeting.held_at).date()
    if due_on < held_on:
        raise OutcomeError(f"Choose a date after the meeting on {format_date(meeting.held_at)}.", field="due_on")
    if status in ("open", "in_progress") and due_on < to_local(utcnow()).date():
        raise OutcomeError(
            "That date has passed. Choose today or a later date for an action still to do.", field="due_on"
        )


def record_outcome(
    item: FeedbackItem,
    meeting: ServiceMeeting,
    *,
    response: str,
    action: str,
    owner: str,
    due_on: date | None,
    status: str,
) -> ItemOutcome:
    """Record or update the service's response to an item at a meeting. Commits.

    Refused for a meeting still to come, for a due date before the meeting (or already passed, for
    an action still to do), and when the response or action may identify someone: every member
    reads them."""
    check_meeting_held(meeting)
    check_due_date(meeting, due_on, status)
    if owner not in OWNERS:
        raise OutcomeError("Choose who owns the action: the service or the association.", field="owner")
    if status not in OUTCOME_STATUSES:
        raise OutcomeError("Choose a status for the action.", field="status")
    if not response.strip() and not action.strip():
        raise OutcomeError("Write what the service said, or the action agreed.")
    # Shown to every member on "you said, we did" and to the carer: refused, not held, so the
    # group member recording it rewords it now.
    found = findings(response, action)
    if found:
        raise OutcomeError(refusal(found, "Every member"))
    # Two of the group recording the same answer at once: the second waits and updates the row
    # the first made, instead of inserting a second one (UNIQUE(item_id, meeting_id): a 500).
    lock_row(FeedbackItem, item.id)
    outcome = db.session.scalar(
        select(ItemOutcome).where(ItemOutcome.item_id == item.id, ItemOutcome.meeting_id == meeting.id)
    )
    if outcome is None:
        outcome = ItemOutcome(item_id=item.id, meeting_id=meeting.id)
        db.session.add(outcome)
    outcome.response, outcome.action, outcome.owner = response.strip(), action.strip(), owner
    outcome.due_on, outcome.status, outcome.recorded_at = due_on, status, utcnow()
    item.status = {"done": "resolved", "not_agreed": "responded"}.get(status, "carried_forward")
    if status in ("open", "in_progress"):
        item.meeting_id = None  # it comes back in the next pack's carried-forward section
    item.updated_at = utcnow()
    db.session.commit()
    return outcome


def latest_outcomes(item_ids: list[int]) -> dict[int, list[tuple[ServiceMeeting, ItemOutcome]]]:
    if not item_ids:
        return {}
    found: dict[int, list] = {}
    for outcome, meeting in db.session.execute(
        select(ItemOutcome, ServiceMeeting)
        .join(ServiceMeeting, ServiceMeeting.id == ItemOutcome.meeting_id)
        .where(ItemOutcome.item_id.in_(item_ids))
        .order_by(ServiceMeeting.held_at)
    ):
        found.setdefault(outcome.item_id, []).append((meeting, outcome))
    return found


MEETINGS_PER_PAGE = 3
# Up to this many answered meetings are all shown on one page: paging four meetings three at a
# time only hides the fourth.
ALL_SHOWN_UP_TO = 5
COMPLETED_SHOWN = 20


@dataclass
class MeetingSummary:
    """One meeting on 'you said, we did': its date and one row per item the service answered.

    Each row is a plain list ``[theme, wording, response, action, due_on, status]`` — the pack
    wording and the service's answer, never who raised the item. (Plain values, because a page
    shows a few hundred rows and unpacking is much cheaper in the template than attribute look-ups.)"""

    id: int
    held_at: datetime
    rows: list = field(default_factory=list)

    @property
    def done(self) -> int:
        """How many of the actions answered at this meeting are marked done."""
        return sum(row[5] == "done" for row in self.rows)


@dataclass
class YouSaidWeDid:
    meetings: list[MeetingSummary]
    paging: Paging
    completed: Sequence[Row[str, str, datetime]]  # (wording, action, held_at) of the latest completed, latest first
    more_completed: bool  # whether there are older completed actions than those


# Meetings the service has answered something at.
ANSWERED_MEETINGS = select(ServiceMeeting.id, ServiceMeeting.held_at).where(
    select(ItemOutcome.id).where(ItemOutcome.meeting_id == ServiceMeeting.id).exists()
)
# The service's answers at some meetings (``:meetings``), by theme: pack wordings and answers only.
MEETING_OUTCOMES = (
    select(
        ItemOutcome.meeting_id,
        func.coalesce(Theme.name, "Other"),
        FeedbackItem.pack_wording,
        ItemOutcome.response,
        ItemOutcome.action,
        ItemOutcome.due_on,
        ItemOutcome.status,
    )
    .join(FeedbackItem, FeedbackItem.id == ItemOutcome.item_id)
    .outerjoin(Theme, Theme.id == FeedbackItem.theme_id)
    .where(ItemOutcome.meeting_id.in_(bindparam("meetings", expanding=True)))
    .order_by(FeedbackItem.theme_id, ItemOutcome.id)
)
# The latest completed actions (``:rows`` of them), newest first by outcome id: walking the primary
# key backwards stops after that many, where ordering by meeting date would sort every completed
# action ever recorded. (No total: counting them all would read every outcome, as no index has
# their status.)
LATEST_COMPLETED = (
    select(FeedbackItem.pack_wording, ItemOutcome.action, ServiceMeeting.held_at)
    .join(FeedbackItem, FeedbackItem.id == ItemOutcome.item_id)
    .join(ServiceMeeting, ServiceMeeting.id == ItemOutcome.meeting_id)
    .where(ItemOutcome.status == "done")
    .order_by(ItemOutcome.id.desc())
    .limit(bindparam("rows"))
)


def you_said_we_did(
    page: int = 1, per_page: int = MEETINGS_PER_PAGE, completed_shown: int = COMPLETED_SHOWN
) -> YouSaidWeDid:
    """One page of meetings, newest first: themes raised, what the service said, actions and their
    status; plus the latest completed actions. Every meeting on one page when there are no more
    than ``ALL_SHOWN_UP_TO``; otherwise ``per_page`` at a time.

    Four queries whatever the history, each served by an index: count the meetings with answers,
    the meetings of the page, their outcomes, the latest completed actions. Only pack wordings,
    themes and the service's answers are selected — never who raised anything."""
    paging = paginate(ANSWERED_MEETINGS, page, per_page)
    if paging.total <= max(ALL_SHOWN_UP_TO, per_page):
        paging = Paging(1, 1, paging.total, max(paging.total, 1))
        per_page = paging.size
    connection = db.session.connection()
    summaries = {
        meeting_id: MeetingSummary(meeting_id, held_at)
        for meeting_id, held_at in connection.execute(
            ANSWERED_MEETINGS.order_by(ServiceMeeting.held_at.desc(), ServiceMeeting.id.desc())
            .limit(per_page)
            .offset(paging.offset)
        )
    }
    if summaries:
        for meeting_id, *row in connection.execute(MEETING_OUTCOMES, {"meetings": list(summaries)}):
            summaries[meeting_id].rows.append(row)
    completed = connection.execute(LATEST_COMPLETED, {"rows": completed_shown + 1}).all()
    return YouSaidWeDid(list(summaries.values()), paging, completed[:completed_shown], len(completed) > completed_shown)
