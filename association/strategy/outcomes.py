"""After the meeting: what the service said and the actions agreed; open actions carry forward.
And 'you said, we did' for every member, without any names."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ..core.database import utcnow
from ..extensions import db
from .models import OUTCOME_STATUSES, OWNERS, FeedbackItem, ItemOutcome, ServiceMeeting, Theme


class OutcomeError(ValueError):
    """An outcome we can't record; ``str(error)`` says why."""


def record_outcome(item: FeedbackItem, meeting: ServiceMeeting, *, response: str, action: str, owner: str,
                   due_on: date | None, status: str) -> ItemOutcome:
    """Record or update the service's response to an item at a meeting. Commits."""
    if owner not in OWNERS:
        raise OutcomeError("Choose who owns the action: the service or the association.")
    if status not in OUTCOME_STATUSES:
        raise OutcomeError("Choose a status for the action.")
    if not response.strip() and not action.strip():
        raise OutcomeError("Write what the service said, or the action agreed.")
    outcome = db.session.scalar(select(ItemOutcome).where(ItemOutcome.item_id == item.id,
                                                          ItemOutcome.meeting_id == meeting.id))
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
            select(ItemOutcome, ServiceMeeting).join(ServiceMeeting, ServiceMeeting.id == ItemOutcome.meeting_id)
            .where(ItemOutcome.item_id.in_(item_ids)).order_by(ServiceMeeting.held_at)):
        found.setdefault(outcome.item_id, []).append((meeting, outcome))
    return found


@dataclass
class MeetingSummary:
    meeting: ServiceMeeting
    rows: list[tuple[str, str, ItemOutcome]] = field(default_factory=list)  # theme, wording, outcome


def you_said_we_did() -> tuple[list[MeetingSummary], list[tuple[str, ItemOutcome]]]:
    """Per meeting: themes raised, what the service said, actions and status; plus every action
    completed. Only pack wordings and themes — never who raised anything."""
    themes = {t.id: t.name for t in db.session.scalars(select(Theme))}
    rows = db.session.execute(
        select(ItemOutcome, ServiceMeeting, FeedbackItem.theme_id, FeedbackItem.pack_wording,
               FeedbackItem.wording_reviewed_at)
        .join(ServiceMeeting, ServiceMeeting.id == ItemOutcome.meeting_id)
        .join(FeedbackItem, FeedbackItem.id == ItemOutcome.item_id)
        .order_by(ServiceMeeting.held_at.desc(), FeedbackItem.theme_id, ItemOutcome.id)).all()
    summaries: dict[int, MeetingSummary] = {}
    done: list[tuple[str, ItemOutcome]] = []
    for outcome, meeting, theme_id, wording, _reviewed in rows:
        summary = summaries.setdefault(meeting.id, MeetingSummary(meeting))
        summary.rows.append((themes.get(theme_id, "Other"), wording, outcome))
        if outcome.status == "done":
            done.append((wording, outcome))
    return list(summaries.values()), done
