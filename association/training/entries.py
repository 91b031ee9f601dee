"""Training a member adds to their own record, and the certificate files that go with it.

A certificate is a PDF or an image, up to ``CERTIFICATE_MAX_BYTES``, recognised by what is in the
file rather than by its name or the type the browser claims. It is stored under the instance folder
by a random name (never under static/, so no address reaches it) and served only to its owner.
"""

from __future__ import annotations

import io
import os
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..core.audit import record
from ..core.errors import DomainError
from ..core.timefmt import local_today
from ..extensions import db
from .courses import topics_by_id
from .models import MAX_MINUTES, TrainingEntry

CERTIFICATE_MAX_BYTES = 10 * 1024 * 1024
# What a certificate may be, by the bytes it starts with: (content type, file ending).
PDF = ("application/pdf", "pdf")
PNG = ("image/png", "png")
JPEG = ("image/jpeg", "jpg")


class EntryError(DomainError):
    """A training entry or certificate that cannot be saved; ``str(error)`` says why."""


@dataclass
class EntryDetails:
    title: str
    provider: str
    completed_on: date
    minutes: int
    topic_ids: list[int]


def check_details(details: EntryDetails, today: date | None = None) -> None:
    today = today or local_today()
    if not details.title.strip():
        raise EntryError("Please say what the training was called.", field="title")
    if details.minutes <= 0:
        raise EntryError("Please give how long the training was: more than 0 hours.", field="hours")
    if details.minutes > MAX_MINUTES:
        raise EntryError(
            f"That is more than {MAX_MINUTES // 60} hours. For a longer course, add each part on its own.",
            field="hours",
        )
    if details.completed_on > today + timedelta(days=1):
        raise EntryError("That date is in the future. Add training once you have done it.", field="completed_on")
    if details.completed_on.year < 1950:
        raise EntryError("Please check the year of that date.", field="completed_on")


def certificate_folder() -> Path:
    folder = Path(current_app.config.get("CERTIFICATE_FOLDER") or Path(current_app.instance_path) / "certificates")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def kind_of_file(content: bytes) -> tuple[str, str]:
    """The certificate's (content type, ending), read from its bytes; refused when it is neither a PDF nor an image."""
    if content.startswith(b"%PDF-") and b"%%EOF" in content[-2048:]:
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n") or content.startswith(b"\xff\xd8\xff"):
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(content)) as image:
                image.verify()
                found = image.format
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
            raise EntryError(_not_a_certificate(), field="certificate") from error
        if found == "PNG":
            return PNG
        if found == "JPEG":
            return JPEG
    raise EntryError(_not_a_certificate(), field="certificate")


def _not_a_certificate() -> str:
    return (
        "That file isn't a PDF or a photo we can read. Please choose the certificate as a PDF, "
        "or a photo of it (JPEG or PNG)."
    )


def read_upload(stream, filename: str) -> tuple[bytes, str, str, str]:
    """Read an uploaded certificate: (bytes, content type, ending, a name to show).

    Refused when too large, empty, or neither a PDF nor an image.
    """
    content = stream.read(CERTIFICATE_MAX_BYTES + 1)
    if len(content) > CERTIFICATE_MAX_BYTES:
        raise EntryError(
            f"That file is larger than {CERTIFICATE_MAX_BYTES // (1024 * 1024)} MB. "
            "Please choose a smaller one, or a photo of the certificate.",
            field="certificate",
        )
    if not content:
        raise EntryError("That file is empty. Please choose the certificate again.", field="certificate")
    content_type, ending = kind_of_file(content)
    shown = "".join(c for c in os.path.basename(filename or "") if c.isprintable() and c not in '"\\/')[:150]
    return content, content_type, ending, shown or f"certificate.{ending}"


def add_entry(member_id: int, details: EntryDetails, upload: tuple[bytes, str, str, str] | None) -> TrainingEntry:
    """Add training to the member's record, with its certificate file if there is one."""
    check_details(details)
    entry = TrainingEntry(
        member_id=member_id,
        title=details.title.strip()[:200],
        provider=details.provider.strip()[:200],
        completed_on=details.completed_on,
        minutes=details.minutes,
        topics=topics_by_id(details.topic_ids),
    )
    if upload is not None:
        _attach(entry, upload)
    db.session.add(entry)
    db.session.flush()
    return entry


def _attach(entry: TrainingEntry, upload: tuple[bytes, str, str, str]) -> None:
    content, content_type, ending, shown = upload
    stored = f"{secrets.token_hex(16)}.{ending}"
    (certificate_folder() / stored).write_bytes(content)
    entry.certificate_file, entry.certificate_type, entry.certificate_name = stored, content_type, shown


def own_entry(member_id: int, entry_id: int) -> TrainingEntry | None:
    """The member's own entry ``entry_id``; None for anyone else's (shown as not found)."""
    return db.session.scalar(
        select(TrainingEntry).where(TrainingEntry.id == entry_id, TrainingEntry.member_id == member_id)
    )


def certificate_path(entry: TrainingEntry) -> Path | None:
    if entry.certificate_file is None:
        return None
    path = certificate_folder() / entry.certificate_file
    return path if path.is_file() else None


def delete_entry(entry: TrainingEntry) -> None:
    """Take an entry off the record, and its file off the disk (once the caller commits, the row)."""
    _remove_file(entry)
    db.session.delete(entry)
    db.session.flush()


def _remove_file(entry: TrainingEntry) -> None:
    path = certificate_path(entry)
    if path is not None:
        path.unlink(missing_ok=True)


def erase_entries(member_id: int) -> int:
    """On erasure: the member's own entries and files go; association registers keep a 'Former member' line."""
    entries = list(db.session.scalars(select(TrainingEntry).where(TrainingEntry.member_id == member_id)))
    for entry in entries:
        delete_entry(entry)
    if entries:
        record("training.erased", None, f"{len(entries)} training entries of an erased member removed")
    return len(entries)
