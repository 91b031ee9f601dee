"""Certificates of association training, their public check, and the record for an annual review.

A certificate names the carer, the course, its date, hours, topics and learning outcomes, and
carries a verification code. ``/verify/<code>`` tells anyone holding the paper whether it is
genuine, showing only the name, course and date. Codes are 160 random bits, so none can be guessed,
and the page is rate-limited besides.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date

from flask import render_template, url_for
from sqlalchemy import select

from ..core.csv_safety import csv_writer
from ..core.database import utcnow
from ..core.pdf import render_pdf
from ..core.timefmt import to_local
from ..extensions import db
from ..members.models import Member
from .models import Register, RegisterEntry, hours_words
from .records import RecordLine, TrainingRecord, association_lines

# What a code looks like (registers.new_certificate_code): anything else is not looked up at all.
CODE_SHAPE = re.compile(r"[A-Z2-7]{32}")


def as_typed(code: str) -> str:
    """A code as someone may type it from paper (lower case, in groups, with spaces or hyphens) made
    the stored shape; the stored shape itself is unchanged."""
    return re.sub(r"[\s-]", "", code or "").upper()[:100]


@dataclass
class Verified:
    """What ``/verify`` may say about a genuine certificate."""

    name: str
    course: str
    held_on: date


def verify(code: str) -> Verified | None:
    """The certificate with this code, if it is genuine: the person came to that training."""
    code = as_typed(code)
    if not CODE_SHAPE.fullmatch(code):
        return None
    row = db.session.execute(
        select(Member.name, Member.erased_at, Register.title, Register.held_from)
        .select_from(RegisterEntry)
        .join(Register, Register.id == RegisterEntry.register_id)
        .join(Member, Member.id == RegisterEntry.member_id)
        .where(
            RegisterEntry.certificate_code == code,
            RegisterEntry.attended.is_(True),
            Register.kind == "training",
        )
    ).first()
    if row is None:
        return None
    name = "Former member" if row.erased_at else row.name
    return Verified(name, row.title, to_local(row.held_from).date())


def own_certificate(member_id: int, code: str) -> RecordLine | None:
    """The member's own certificate with ``code``; None for anyone else's."""
    if not CODE_SHAPE.fullmatch(code or ""):
        return None
    return next((line for line in association_lines(member_id) if line.certificate_code == code), None)


def certificate_pdf(member: Member, line: RecordLine) -> bytes:
    html = render_template(
        "training/certificate_document.html",
        member=member,
        line=line,
        hours=hours_words(line.minutes),
        verify_url=url_for("training.verify", code=line.certificate_code, _external=True),
        generated_at=utcnow(),
    )
    return render_pdf(html)


def review_pdf(member: Member, record: TrainingRecord, start: date, end: date) -> bytes:
    """The record for an annual review: every piece of training between ``start`` and ``end``."""
    html = render_template(
        "training/review_document.html",
        member=member,
        record=record,
        start=start,
        end=end,
        hours_words=hours_words,
        generated_at=utcnow(),
    )
    return render_pdf(html)


def review_csv(record: TrainingRecord) -> str:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["Date", "Training", "Provider", "Hours", "Topics", "Certificate"])
    for line in record.lines:
        if line.certificate_code:
            certificate = url_for("training.verify", code=line.certificate_code, _external=True)
        else:
            certificate = "own copy" if line.has_file else ""
        hours = f"{line.hours:.2f}".rstrip("0").rstrip(".")
        writer.writerow(
            [line.completed_on.isoformat(), line.title, line.provider, hours, line.topic_names, certificate]
        )
    return out.getvalue()
