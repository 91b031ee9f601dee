"""The feedback pack: compiled from the items triaged for a meeting, checked, then issued frozen.

Compiling takes a fixed number of queries however many items there are. Issuing renders the HTML
once, keeps it with the PDF and CSV made from it, and emails the service's attendees; later
changes to items never touch what was sent.
"""
from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from flask import render_template
from sqlalchemy import func, select

from ..admin.audit import record
from ..core.database import utcnow
from ..core.personal_data import Finding, check_personal_data
from ..extensions import db
from ..mail.outbox import external_url, queue_email
from .models import FeedbackItem, ItemOutcome, ItemSupport, PackVersion, ServiceMeeting, Theme


class PackError(ValueError):
    """A pack that can't be issued yet; ``str(error)`` says why."""


@dataclass
class PackItem:
    item: FeedbackItem
    raised_by: int
    findings: list[Finding]

    @property
    def needs_review(self) -> bool:
        return bool(self.findings) and self.item.wording_reviewed_at is None


@dataclass
class CarriedAction:
    item: FeedbackItem
    history: list[tuple[ServiceMeeting, ItemOutcome]]


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
    def needing_review(self) -> list[PackItem]:
        return [p for p in self.items if p.needs_review]

    @property
    def counts(self) -> dict[str, int]:
        items = self.items
        return {"items": len(items), "issues": sum(p.item.kind == "issue" for p in items),
                "suggestions": sum(p.item.kind == "suggestion" for p in items),
                "good_practice": len(self.good_practice), "carers": sum(p.raised_by for p in items),
                "carried_forward": len(self.carried)}


def compile_pack(meeting: ServiceMeeting) -> Pack:
    """Everything that goes in ``meeting``'s pack, grouped by theme and ordered by support."""
    from .meetings import previous_meeting

    previous = previous_meeting(before=meeting.held_at, excluding=meeting.id)
    items = list(db.session.scalars(select(FeedbackItem).where(
        FeedbackItem.meeting_id == meeting.id, FeedbackItem.status.not_in(("merged", "declined")))))
    ids = [i.id for i in items]
    raised = _raised_by_counts(ids)
    themes = {t.id: t for t in db.session.scalars(select(Theme))}
    pack = Pack(meeting, previous.held_at if previous else None)
    grouped: dict[str, list[PackItem]] = {}
    for item in items:
        entry = PackItem(item, raised.get(item.id, 1), check_personal_data(item.pack_wording))
        if item.kind == "good_practice":
            pack.good_practice.append(entry)
        else:
            theme = themes.get(item.theme_id)
            grouped.setdefault(theme.name if theme else "Other", []).append(entry)
    order = {t.name: (t.position, t.name) for t in themes.values()}
    for name in sorted(grouped, key=lambda n: order.get(n, (10_000, n))):
        pack.themes.append((name, sorted(grouped[name], key=lambda p: (-p.raised_by, p.item.id))))
    pack.good_practice.sort(key=lambda p: (-p.raised_by, p.item.id))
    pack.carried = carried_forward(meeting)
    return pack


def _raised_by_counts(item_ids: list[int]) -> dict[int, int]:
    """Distinct carers per item (author, authors of merged items, supporters) in two queries."""
    if not item_ids:
        return {}
    people: dict[int, set[int]] = {i: set() for i in item_ids}
    for item_id, author_id, merged_into in db.session.execute(
            select(FeedbackItem.id, FeedbackItem.author_id, FeedbackItem.merged_into_id).where(
                FeedbackItem.id.in_(item_ids) | FeedbackItem.merged_into_id.in_(item_ids))):
        target = merged_into if merged_into in people else item_id
        if author_id is not None and target in people:
            people[target].add(author_id)
    for item_id, member_id in db.session.execute(
            select(ItemSupport.item_id, ItemSupport.member_id).where(ItemSupport.item_id.in_(item_ids))):
        people[item_id].add(member_id)
    return {i: max(len(p), 1) for i, p in people.items()}


def carried_forward(meeting: ServiceMeeting) -> list[CarriedAction]:
    """Actions still open from earlier meetings, each with its history."""
    rows = db.session.execute(
        select(ItemOutcome, ServiceMeeting, FeedbackItem)
        .join(ServiceMeeting, ServiceMeeting.id == ItemOutcome.meeting_id)
        .join(FeedbackItem, FeedbackItem.id == ItemOutcome.item_id)
        .where(ServiceMeeting.held_at < meeting.held_at).order_by(ServiceMeeting.held_at)).all()
    history: dict[int, CarriedAction] = {}
    for outcome, held, item in rows:
        history.setdefault(item.id, CarriedAction(item, [])).history.append((held, outcome))
    return [c for c in history.values() if c.history[-1][1].status in ("open", "in_progress")]


def render_pack_html(pack: Pack) -> str:
    return render_template("strategy/pack_document.html", pack=pack, generated_at=utcnow())


def pack_csv(pack: Pack) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "theme", "kind", "raised_by_carers", "wording"])
    for theme, group in pack.themes:
        for entry in group:
            writer.writerow(["raised", theme, entry.item.kind_label, entry.raised_by, _cell(entry.item.pack_wording)])
    for entry in pack.good_practice:
        writer.writerow(["good practice", "", entry.item.kind_label, entry.raised_by, _cell(entry.item.pack_wording)])
    for carried in pack.carried:
        last = carried.history[-1][1]
        writer.writerow(["carried forward", "", carried.item.kind_label, "", _cell(carried.item.pack_wording
                                                                                    + " — action: " + last.action)])
    return out.getvalue()


def _cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def issue_pack(meeting: ServiceMeeting, by) -> PackVersion:
    """Freeze a new version and email it to the service's attendees. Commits."""
    pack = compile_pack(meeting)
    if not pack.items and not pack.carried:
        raise PackError("There's nothing in this pack yet: triage some items for this meeting first.")
    if pack.needing_review:
        raise PackError(f"{len(pack.needing_review)} item(s) may identify someone. Rewrite the wording or mark it "
                        "reviewed before issuing.")
    html = render_pack_html(pack)
    from weasyprint import HTML  # imported here: it is heavy and only needed to issue

    version_number = (db.session.scalar(select(func.max(PackVersion.version))
                                        .where(PackVersion.meeting_id == meeting.id)) or 0) + 1
    version = PackVersion(meeting_id=meeting.id, version=version_number, issued_by_id=by.id, html=html,
                          pdf=HTML(string=html).write_pdf(), csv=pack_csv(pack), token=secrets.token_urlsafe(32))
    db.session.add(version)
    db.session.flush()
    for entry in pack.items:
        if entry.item.status in ("new", "under_review", "in_pack", "carried_forward"):
            entry.item.status = "raised"
    link = external_url("strategy.shared_pack", token=version.token)
    for attendee in meeting.attendees:
        queue_email(attendee.email, f"Carers' feedback pack for our meeting on {meeting.held_at:%d %B %Y}",
                    "strategy_pack", to_name=attendee.name, kind="service", meeting=meeting, version=version,
                    pack_url=link, attachment_key=f"pack-pdf:{version.id}")
    record("pack.issued", meeting, f"version {version_number} issued to {len(meeting.attendees)} people", actor=by)
    db.session.commit()
    return version


def revoke(version: PackVersion, by) -> None:
    version.revoked_at = utcnow()
    record("pack.link_revoked", None, f"meeting {version.meeting_id} version {version.version}", actor=by)
    db.session.commit()
