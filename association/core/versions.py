"""Two people editing the same record: the second save is stopped and shown both versions.

A record that people edit through a form carries ``edit_version``. The form sends back the
version it was filled from; saving is a compare-and-swap in SQL (``UPDATE … WHERE edit_version =
seen``), so of two saves made from the same version exactly one wins, on SQLite and PostgreSQL,
even when both arrive in the same instant. The other gets an :class:`EditConflict` and the page
shows, field by field, what is saved now beside what they typed, so nothing is lost silently.

Only saves through the edit forms count as edits: background writes to the same row (a sign-in
time, a counter) do not bump the version, so they never cause a false alarm.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from wtforms import Form
from wtforms.fields import HiddenField

from .database import rows_matched

SKIPPED_FIELDS = ("csrf_token", "edit_version", "submit")


class EditConflict(Exception):
    """Someone else saved this record after the form was filled."""


class EditVersionField(HiddenField):
    """The version a form was filled from, as the text of a hidden input; ``version`` reads it."""

    def process_formdata(self, valuelist):
        # Anything unreadable counts as 'not given', and is not sent back in the page.
        version = self.read(valuelist[0] if valuelist else "")
        self.data = None if version is None else str(version)

    @property
    def version(self) -> int | None:
        """The number sent back or filled in (from a record, WTForms may hold it as an int), or None."""
        return None if self.data is None else self.read(str(self.data))

    @staticmethod
    def read(raw: str) -> int | None:
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def seen_version(form: Form) -> int | None:
    field = getattr(form, "edit_version", None)
    return field.version if isinstance(field, EditVersionField) else None


def claim_edit(record, seen: int | None) -> None:
    """Take the right to save ``record``: raises EditConflict if it changed since ``seen``.

    With no version from the form (an old page, a script) the check is against the version read
    in this request, which still stops two saves racing each other.
    """
    model = type(record)
    expected = record.edit_version if seen is None else seen
    claimed = rows_matched(
        update(model)
        .where(model.id == record.id, model.edit_version == expected)
        .values(edit_version=model.edit_version + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed != 1:
        raise EditConflict
    set_committed_value(record, "edit_version", expected + 1)


@dataclass(frozen=True)
class Difference:
    label: str
    saved: str
    yours: str


def _labels(field) -> dict[str, str]:
    """A select's values mapped to the words people see; {} for other fields."""
    choices = getattr(field, "choices", None)
    if not choices or isinstance(choices, dict):
        return {}
    return {str(c[0]): str(c[1]) for c in choices if isinstance(c, (tuple, list)) and len(c) >= 2}


def _shown(field, value) -> str:
    if value is None or value == "" or value == []:
        return "(empty)"
    choices = _labels(field)
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(choices.get(str(v), v)) for v in value) or "(empty)"
    if isinstance(value, datetime):
        return value.strftime("%d %b %Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d %b %Y")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(choices.get(str(value), value))


def differences(saved: Form, yours: Form) -> list[Difference]:
    """Field by field, where what is saved now differs from what was typed."""
    found = []
    for name, field in saved._fields.items():
        if name in SKIPPED_FIELDS or field.type in ("SubmitField", "CSRFTokenField", "HiddenField"):
            continue
        mine = yours._fields.get(name)
        if mine is None:
            continue
        a, b = field.data, mine.data
        if isinstance(a, (list, set)) and isinstance(b, (list, set)):
            same = sorted(map(str, a)) == sorted(map(str, b))
        else:
            same = (a if a not in ("", None) else None) == (b if b not in ("", None) else None)
        if not same:
            found.append(Difference(str(field.label.text), _shown(field, a), _shown(mine, b)))
    return found


def against_saved(form: Form, record, fill) -> list[Difference]:
    """After an EditConflict (and a rollback): what differs between ``record`` as saved now and
    what was typed in ``form``. ``fill(saved_form)`` fills a blank form of the same kind from the
    record as the edit page does. The form moves on to the saved version, so saving it again is a
    deliberate overwrite."""
    saved = type(form)(formdata=None)
    fill(saved)
    form["edit_version"].data = str(record.edit_version)
    return differences(saved, form)
