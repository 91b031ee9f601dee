"""Issuing a pack to the service: a deliberate send, made once.

The confirmation page shows who receives what: each person from the service, the email's subject
and covering text, the version and what is in it, and anything the personal-data check found.
Its form carries what the page showed: the version it would issue and a digest of the pack's
content. Issuing checks both again under the meeting's lock, so a second click (or a second
member on the same page) finds that version already issued and sends nothing, and a pack that
changed after the page was opened is not issued as if it had been seen.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from types import SimpleNamespace

from flask import current_app, render_template
from markupsafe import Markup
from sqlalchemy import func, select, update

from ..core.audit import record
from ..core.database import lock_row, utcnow
from ..core.personal_data import summarise
from ..extensions import db
from ..mail.outbox import external_url, queue_email
from .models import FeedbackItem, PackVersion, ServiceAttendee, ServiceMeeting
from .packs import Pack, PackError, compile_pack, pack_csv, render_pack_html, render_pack_pdf
from .wording import checked


class AlreadyIssued(PackError):
    """The version the confirmation page offered has been issued since (a second click)."""


class PackChanged(PackError):
    """The pack is no longer what the confirmation page showed."""


@dataclass(frozen=True)
class Seen:
    """What a confirmation page showed: the version it would issue, and the pack's digest."""

    version: int
    digest: str


@dataclass(frozen=True)
class Flagged:
    """A pack entry the check flagged, as the confirmation page lists it."""

    item_id: int
    highlighted: Markup  # the wording, with what was found in it marked
    summary: str  # third person: "This seems to include a phone number: …"
    review_reason: str


def flagged(entries) -> list[Flagged]:
    return [
        Flagged(e.item.id, checked(e.item.pack_wording).highlighted, summarise(e.findings), e.item.review_reason)
        for e in entries
    ]


@dataclass
class Confirmation:
    meeting: ServiceMeeting
    pack: Pack
    version: int
    digest: str
    subject: str
    covering_text: str
    blockers: list[str]

    @property
    def recipients(self) -> list[ServiceAttendee]:
        return list(self.meeting.attendees)

    @property
    def can_issue(self) -> bool:
        return not self.blockers

    @property
    def statement(self) -> str:
        """What the pack will say about its check if issued now."""
        return self.pack.check_statement(utcnow())

    @property
    def needing_review(self) -> list[Flagged]:
        return flagged(self.pack.needing_review)

    @property
    def reviewed(self) -> list[Flagged]:
        return flagged(self.pack.reviewed)


def pack_subject(meeting: ServiceMeeting) -> str:
    from ..core.timefmt import format_date

    return f"Carers' feedback pack for our meeting on {format_date(meeting.held_at)}"


def latest_version(meeting: ServiceMeeting) -> int:
    """The highest version issued for ``meeting``; 0 before the first."""
    return db.session.scalar(select(func.max(PackVersion.version)).where(PackVersion.meeting_id == meeting.id)) or 0


def pack_digest(pack: Pack) -> str:
    """A fingerprint of everything the service would get: who, and every word and count."""
    meeting = pack.meeting
    content = {
        "meeting": [meeting.held_at.isoformat(), meeting.place],
        "to": [[a.name, a.role, a.email] for a in meeting.attendees],
        "items": [
            [
                theme,
                [
                    [
                        e.item.id,
                        e.item.kind,
                        e.item.pack_wording,
                        e.raised_by,
                        e.item.wording_reviewed_at.isoformat() if e.item.wording_reviewed_at else None,
                    ]
                    for e in group
                ],
            ]
            for theme, group in pack.themes
        ],
        "good_practice": [[e.item.id, e.item.pack_wording, e.raised_by] for e in pack.good_practice],
        "carried": [
            [
                c.item.id,
                c.item.pack_wording,
                [[h.held_at.isoformat(), o.response, o.action, o.owner, str(o.due_on), o.status] for h, o in c.history],
            ]
            for c in pack.carried
        ],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def blockers(pack: Pack) -> list[str]:
    """Why the pack can't go yet, in plain words; empty when it can."""
    found = []
    if not pack.items and not pack.carried:
        found.append("There's nothing in this pack yet: triage some items for this meeting first.")
    if not pack.meeting.attendees:
        found.append("Nobody from the service would receive it: add someone to the meeting first.")
    waiting = len(pack.needing_review)
    if waiting:
        found.append(
            f"{waiting} {'item' if waiting == 1 else 'items'} may identify someone. Reword each one, or "
            "mark it reviewed with a reason, on its triage page before issuing."
        )
    return found


def covering_text(meeting: ServiceMeeting, version: int) -> str:
    """The email's plain text as the first person from the service will read it."""
    first = meeting.attendees[0].name if meeting.attendees else ""
    return render_template(
        "mail/strategy_pack.txt",
        meeting=meeting,
        version=SimpleNamespace(version=version),
        pack_url="(a link to read the pack online, made when you issue it)",
        recipient_name=first,
        subject=pack_subject(meeting),
        association_name=current_app.config["ASSOCIATION_NAME"],
    )


def confirmation(meeting: ServiceMeeting) -> Confirmation:
    """What the confirmation page shows, and what its form carries back."""
    pack = compile_pack(meeting)
    version = latest_version(meeting) + 1
    return Confirmation(
        meeting,
        pack,
        version,
        pack_digest(pack),
        pack_subject(meeting),
        covering_text(meeting, version),
        blockers(pack),
    )


def issue_pack(meeting: ServiceMeeting, by, seen: Seen | None = None) -> PackVersion:
    """Freeze a new version and email it to the service's attendees. Commits.

    ``seen`` is what the confirmation page showed; issuing is refused if that version has been
    issued since (AlreadyIssued) or the pack differs from it (PackChanged). Without it (the demo,
    scripts) the pack is issued as it is now."""
    # One issue at a time per meeting: the version number and the pack are read under the
    # meeting's lock, so two clicks on Issue never make two versions of what one page showed.
    lock_row(ServiceMeeting, meeting.id)
    db.session.expire(meeting, ["attendees"])  # who receives it, as it is now
    number = latest_version(meeting) + 1
    if seen is not None and seen.version != number:
        if 0 < seen.version < number:
            raise AlreadyIssued(
                f"Version {seen.version} has already been issued, so nothing more was sent. "
                "Open the confirmation page again if you need to issue a new version."
            )
        raise PackChanged("This confirmation doesn't match the pack. Open the confirmation page again.")
    pack = compile_pack(meeting)
    problems = blockers(pack)
    if problems:
        raise PackError(problems[0])
    if seen is not None and not hmac.compare_digest(seen.digest.encode(), pack_digest(pack).encode()):
        raise PackChanged(
            "The pack has changed since you opened the confirmation page, so it wasn't issued. "
            "Check what it says now and confirm again."
        )
    issued_at = utcnow()
    html = render_pack_html(pack, issued_at)
    version = PackVersion(
        meeting_id=meeting.id,
        version=number,
        issued_by_id=by.id,
        issued_at=issued_at,
        html=html,
        pdf=render_pack_pdf(html),
        csv=pack_csv(pack),
        token=secrets.token_urlsafe(32),
    )
    db.session.add(version)
    db.session.flush()
    # Every item issued in the pack is now raised with the service (the pack's items are this
    # meeting's, less the merged and declined ones).
    db.session.execute(
        update(FeedbackItem)
        .where(
            FeedbackItem.meeting_id == meeting.id,
            FeedbackItem.status.in_(("new", "under_review", "in_pack", "carried_forward")),
        )
        .values(status="raised")
    )
    link = external_url("strategy.shared_pack", token=version.token)
    for attendee in meeting.attendees:
        queue_email(
            attendee.email,
            pack_subject(meeting),
            "strategy_pack",
            to_name=attendee.name,
            kind="service",
            meeting=meeting,
            version=version,
            pack_url=link,
            attachment_key=f"pack-pdf:{version.id}",
        )
    record(
        "pack.issued",
        meeting,
        f"version {number} issued to {len(meeting.attendees)} people "
        f"({', '.join(a.email for a in meeting.attendees)}). {pack.check_statement(issued_at)}",
        actor=by,
    )
    db.session.commit()
    return version


def revoke(version: PackVersion, by) -> None:
    """The shared link stops working; the PDF already sent stays with whoever has it. Commits."""
    version.revoked_at = utcnow()
    record("pack.link_revoked", None, f"meeting {version.meeting_id} version {version.version}", actor=by)
    db.session.commit()
