"""CSV export of the registry, and an import that checks every row before it writes any."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..core.audit import record
from ..core.csv_safety import csv_writer
from ..core.plain_text import breaks_the_line, one_line
from ..extensions import db
from .applications import password_token
from .directory import set_skills
from .models import (
    APPROVAL_CATEGORIES,
    ROLES,
    SERVICE_TYPES,
    STATUSES,
    ApplicationState,
    Member,
    MemberRole,
    MemberStatus,
)

COLUMNS = (
    "name",
    "email",
    "phone",
    "area",
    "service_name",
    "service_type",
    "approval_category",
    "years_fostering",
    "status",
    "roles",
    "renewal_date",
    "skills",
    "buddy_willing",
)
REQUIRED = ("name", "email")
MAX_ROWS = 5000
LENGTHS = {"name": 120, "email": 254, "phone": 40, "area": 80, "service_name": 120, "skills": 400}
TRUE = {"yes", "y", "true", "1"}
# ASCII digits only: str.isdigit() also accepts '²' or '٣', which int() then refuses or reads.
YEARS = re.compile(r"[0-9]{1,2}")
FALSE = {"no", "n", "false", "0", ""}


def export_csv(members) -> str:
    out = io.StringIO()
    writer = csv_writer(out)  # no cell can run as a formula in a spreadsheet
    writer.writerow(COLUMNS)
    for m in members:
        writer.writerow(
            (
                m.name,
                m.email,
                m.phone,
                m.area,
                m.service_name,
                m.service_type,
                m.approval_category,
                m.years_fostering,
                m.status,
                " ".join(sorted(m.roles)),
                m.renewal_date.isoformat() if m.renewal_date else "",
                "; ".join(s.name for s in m.skills),
                "yes" if m.buddy_willing else "no",
            )
        )
    return out.getvalue()


def registry_for_export():
    return db.session.scalars(
        select(Member)
        .where(Member.erased_at.is_(None))
        .options(selectinload(Member.skills))
        .order_by(func.lower(Member.name), Member.id)
    )


@dataclass
class ImportRow:
    line: int
    values: dict


@dataclass
class ImportPreview:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def parse_import(text: str) -> ImportPreview:
    """Check every row; nothing is written. Errors carry the file's line number."""
    preview = ImportPreview()
    text = text.lstrip("\ufeff")
    if not text.strip():
        preview.errors.append((1, "The file is empty. Export the registry from your spreadsheet as CSV UTF-8."))
        return preview
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as error:
        preview.errors.append((1, _unreadable(error)))
        return preview
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        preview.errors.append((1, f"The first line must name the columns; missing: {', '.join(missing)}."))
        return preview
    unknown = [one_line(h)[:40] or "(a blank name)" for h in header if h not in COLUMNS]
    if unknown:
        preview.errors.append(
            (1, f"Unknown columns: {', '.join(unknown[:10])}. Expected some of: {', '.join(COLUMNS)}.")
        )
        return preview
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        preview.errors.append((1, f"These columns appear more than once: {', '.join(twice)}."))
        return preview
    reader.fieldnames = header
    seen: dict[str, int] = {}
    for line, raw in _rows(reader, preview):
        if len(preview.rows) + len(preview.errors) >= MAX_ROWS:
            preview.errors.append((line, f"Import at most {MAX_ROWS} rows at a time."))
            break
        if None in raw:
            preview.errors.append((line, "This row has more cells than there are columns."))
            continue
        values = {k: (v or "").strip() for k, v in raw.items()}
        if not any(values.values()):
            continue
        problems = _check_row(values)
        email = values.get("email", "").lower()
        if email and email in seen:
            problems.append(f"email {email} is also on line {seen[email]}")
        seen.setdefault(email, line)
        if problems:
            preview.errors.append((line, "; ".join(problems)))
        else:
            preview.rows.append(ImportRow(line, values))
    taken = (
        set(db.session.scalars(select(func.lower(Member.email)).where(func.lower(Member.email).in_(list(seen)))))
        if seen
        else set()
    )
    for row in list(preview.rows):
        if row.values["email"].lower() in taken:
            preview.errors.append((row.line, f"email {row.values['email']} already belongs to a member"))
            preview.rows.remove(row)
    preview.errors.sort()
    if not preview.rows and not preview.errors:
        preview.errors.append((2, "The file has no rows to import."))
    return preview


def _rows(reader: csv.DictReader, preview: ImportPreview):
    """(first line, row) until the end, or until a line the csv module cannot read (then an error)."""
    while True:
        starts_on = reader.line_num + 1  # a quoted cell may run over many lines: name the first
        try:
            yield starts_on, next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # nothing after this point can be trusted to be where it belongs
            preview.errors.append((starts_on, _unreadable(error)))
            return


def _unreadable(error: csv.Error) -> str:
    if "field larger than field limit" in str(error):
        return (
            f"A cell is longer than {csv.field_size_limit():,} characters, so the file can't be read from "
            "here on. Check that every quote mark in the file has its closing one."
        )
    return f"This line can't be read as CSV ({error}). Save the file from your spreadsheet as CSV UTF-8."


def _check_row(values: dict) -> list[str]:
    problems = []
    # Every column holds one line: a line break in a name would end up in email headers.
    broken = [name for name in COLUMNS if breaks_the_line(values.get(name) or "")]
    if broken:
        problems.append(f"{', '.join(broken)} contains a line break or special character; please remove it")
    for name in REQUIRED:
        if not values.get(name):
            problems.append(f"{name} is missing")
    for name, limit in LENGTHS.items():
        if len(values.get(name, "")) > limit:
            problems.append(f"{name} is longer than {limit} characters")
    if values.get("email"):
        try:
            values["email"] = validate_email(values["email"], check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            problems.append(f"'{one_line(values['email'])[:60]}' is not a valid email address")
    checks = (
        ("service_type", SERVICE_TYPES, "local_authority"),
        ("approval_category", APPROVAL_CATEGORIES, "mainstream"),
        ("status", STATUSES, MemberStatus.ACTIVE),
    )
    for name, allowed, default in checks:
        values[name] = values.get(name) or default
        if values[name] not in allowed:
            problems.append(f"{name} '{one_line(values[name])[:30]}' is not one of: {', '.join(allowed)}")
    years = values.get("years_fostering") or "0"
    if not YEARS.fullmatch(years) or int(years) > 80:
        problems.append("years_fostering must be a whole number from 0 to 80")
    roles = values.get("roles", "").replace(",", " ").split()
    if any(r not in ROLES for r in roles):
        problems.append(f"roles must be some of: {', '.join(ROLES)}")
    if values.get("renewal_date"):
        try:
            date.fromisoformat(values["renewal_date"])
        except ValueError:
            problems.append("renewal_date must be a date like 2027-03-31")
    if values.get("buddy_willing", "").lower() not in TRUE | FALSE:
        problems.append("buddy_willing must be yes or no")
    return problems


def import_members(preview: ImportPreview, admin: Member, send_welcome: bool) -> list[Member]:
    """Create every member in the preview, or none: one commit at the end. Commits."""
    from ..mail.outbox import external_url, queue_email

    if not preview.ok:
        raise ValueError("Fix the rows with problems before importing.")
    created = []
    try:
        for row in preview.rows:
            v = row.values
            member = Member(
                name=v["name"],
                email=v["email"],
                phone=v.get("phone") or None,
                area=v.get("area", ""),
                service_name=v.get("service_name", ""),
                service_type=v["service_type"],
                approval_category=v["approval_category"],
                years_fostering=int(v.get("years_fostering") or 0),
                status=MemberStatus(v["status"]),
                application_state=ApplicationState.APPROVED,
                renewal_date=date.fromisoformat(v["renewal_date"]) if v.get("renewal_date") else None,
                buddy_willing=v.get("buddy_willing", "").lower() in TRUE,
                role_rows=[MemberRole(role=r) for r in sorted(set(v.get("roles", "").replace(",", " ").split()))],
            )
            db.session.add(member)
            set_skills(member, v.get("skills", "").split(";"))
            created.append(member)
        db.session.flush()
        for member in created:
            if send_welcome and member.status == MemberStatus.ACTIVE:
                queue_email(
                    member.mail_to,  # created just now from a row that must have one (REQUIRED)
                    "Your association account is ready",
                    "imported_welcome",
                    member=member,
                    set_password_url=external_url("auth.set_password", token=password_token(member)),
                )
        record("member.import", None, f"{len(created)} members imported", actor=admin)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return created
