"""The audit log written for people: "Alex Admin approved Jo Carer's
application", with links to the member, email, event or meeting.

Entries keep their codes (``action``, ``subject_type``): the pages filter by them. The names are
read for a whole page at once, one query per kind of thing named, so a page of fifty entries costs
the same as a page of one.
"""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from ..core.log_sentences import LogLine, Named, humanise, sentence
from ..core.timefmt import format_date, to_local
from ..extensions import db
from ..members.models import FORMER_MEMBER, Member

# Audit action code -> (what the filter calls it, the sentence after the actor's name).
AUDIT_ACTIONS = {
    "application.approved": ("Applications approved", "approved {subject}'s application"),
    "application.declined": ("Applications declined", "declined {subject}'s application"),
    "member.edited": ("Members' details changed", "changed {subject}'s details"),
    "member.status": ("Membership status changed", "changed {subject}'s membership status"),
    "member.roles": ("Roles changed", "changed {subject}'s roles"),
    "member.household": ("Households changed", "changed {subject}'s household"),
    "member.email_change_requested": ("Sign-in email changes", "asked to change {subject}'s sign-in email"),
    "member.leave_requested": ("Asked to leave", "recorded that {subject} asked to leave"),
    "member.renewal_requested": ("Asked to renew", "recorded that {subject} asked to renew"),
    "member.erased": ("Personal data erased", "erased {subject}'s personal data"),
    "event.updated": ("Events changed", "changed the event {subject}"),
    "event.cancelled": ("Events cancelled", "cancelled the event {subject}"),
    "event.series_ended": ("Series ended", "ended the series {subject}"),
    "event.wording_kept": ("Flagged event wording kept", "kept wording the personal-data check flagged in {subject}"),
    "mail.campaign_queued": ("Emails sent to members", "sent the email {subject}"),
    "mail.campaign_scheduled": ("Emails scheduled", "scheduled the email {subject}"),
    "mail.campaign_cancelled": ("Emails cancelled", "cancelled the email {subject}"),
    "mail.campaign_not_sent": ("Emails that could not be sent", "could not send the email {subject}"),
    "register.opened": ("Registers taken", "opened {subject}"),
    "register.marked": ("Registers changed", "marked a line on {subject}"),
    "register.walk_in": ("Walk-ins added", "added a walk-in to {subject}"),
    "register.guest": ("Guests added", "added a guest to {subject}"),
    "register.removed": ("Lines taken off registers", "took a line off {subject}"),
    "training.course": ("Training details set", "set the training details of {subject}"),
    "training.erased": ("Training records erased", "removed an erased member's own training entries"),
    "training.topic_added": ("Training topics added", "added the training topic {subject}"),
    "training.topic_changed": ("Training topics changed", "changed the training topic {subject}"),
    "training.topic_retired": ("Training topics retired", "retired the training topic {subject}"),
    "training.topic_restored": ("Training topics brought back", "brought back the training topic {subject}"),
    "pack.issued": ("Feedback packs issued", "issued the feedback pack for {subject}"),
    "strategy.wording_reviewed": ("Wordings reviewed", "reviewed the wording of {subject}"),
    "strategy.wording_review_cleared": ("Wording reviews cleared", "cleared the wording review of {subject}"),
}


def _members(ids: set[int], endpoint: str = "admin.edit_member") -> dict[int, Named]:
    if not ids:
        return {}
    rows = db.session.execute(select(Member.id, Member.name, Member.erased_at).where(Member.id.in_(ids)))
    return {
        i: Named(FORMER_MEMBER, None) if erased or not name else Named(name, url_for(endpoint, member_id=i))
        for i, name, erased in rows
    }


def _audit_subjects(entries) -> dict[tuple[str, int], Named]:
    """Names of what a page of audit entries is about: one query per kind present."""
    from ..campaigns.models import Campaign
    from ..events.models import Event
    from ..strategy.models import FeedbackItem, ServiceMeeting
    from ..training.models import Register, TrainingTopic

    wanted: dict[str, set[int]] = {}
    for e in entries:
        if e.subject_id is not None:
            wanted.setdefault(e.subject_type, set()).add(e.subject_id)
    named: dict[tuple[str, int], Named] = {}
    for i, n in _members(wanted.get("member", set())).items():
        named["member", i] = n
    if wanted.get("campaign"):
        for i, subject in db.session.execute(
            select(Campaign.id, Campaign.subject).where(Campaign.id.in_(wanted["campaign"]))
        ):
            named["campaign", i] = Named(f"“{subject}”", url_for("campaigns.review", campaign_id=i))
    if wanted.get("event"):
        for i, title in db.session.execute(select(Event.id, Event.title).where(Event.id.in_(wanted["event"]))):
            named["event", i] = Named(f"“{title}”", url_for("events.detail", event_id=i))
    if wanted.get("register"):
        for i, title, held, event_id in db.session.execute(
            select(Register.id, Register.title, Register.held_from, Register.event_id).where(
                Register.id.in_(wanted["register"])
            )
        ):
            link = url_for("training.register", event_id=event_id) if event_id else None
            named["register", i] = Named(f"the register of “{title}” on {format_date(to_local(held))}", link)
    if wanted.get("servicemeeting"):
        for i, held_at in db.session.execute(
            select(ServiceMeeting.id, ServiceMeeting.held_at).where(ServiceMeeting.id.in_(wanted["servicemeeting"]))
        ):
            named["servicemeeting", i] = Named(
                f"the service meeting on {format_date(to_local(held_at))}", url_for("strategy.pack", meeting_id=i)
            )
    if wanted.get("trainingtopic"):
        for i, name in db.session.execute(
            select(TrainingTopic.id, TrainingTopic.name).where(TrainingTopic.id.in_(wanted["trainingtopic"]))
        ):
            named["trainingtopic", i] = Named(f"“{name}”", url_for("training.edit_topic", topic_id=i))
    if wanted.get("feedbackitem"):
        for (i,) in db.session.execute(select(FeedbackItem.id).where(FeedbackItem.id.in_(wanted["feedbackitem"]))):
            named["feedbackitem", i] = Named(f"feedback item {i}", url_for("strategy.item", item_id=i))
    return named


def audit_lines(entries) -> list[LogLine]:
    """A page of audit entries as sentences (entries' actors loaded with them)."""
    subjects = _audit_subjects(entries)
    actors = _members({e.actor_id for e in entries if e.actor_id is not None})
    lines = []
    for e in entries:
        pattern = AUDIT_ACTIONS.get(e.action, (None, None))[1] or f"{humanise(e.action)}: {{subject}}"
        if e.subject_id is None:
            subject = Named("—")
        else:
            subject = subjects.get((e.subject_type, e.subject_id), Named("something since removed"))
        actor = actors.get(e.actor_id, Named(FORMER_MEMBER)) if e.actor_id is not None else Named("The system")
        lines.append(LogLine(e.at, actor, sentence(pattern, {"subject": subject}), e.detail, e.action))
    return lines
