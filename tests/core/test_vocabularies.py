"""Status vocabularies are StrEnums, one list each, and the code names their members, not strings.

The values are what the database holds (no CHECK constraints keep them: the forms, the CSV import
and the code do), so the enums' values are pinned here, and an AST walk over ``association/`` finds
any bare string of a vocabulary used where the vocabulary is meant: compared with, assigned to or
passed as ``status``/``application_state``/``response``.
"""

from __future__ import annotations

import ast
from enum import StrEnum
from pathlib import Path

import pytest
from sqlalchemy import select, text

from association.campaigns.models import Campaign, CampaignStatus
from association.core.database import StrEnumType
from association.events.models import RSVP, Event, EventStatus, RsvpResponse
from association.extensions import db
from association.mail.models import OutboxMessage, OutboxStatus
from association.members.models import ApplicationState, Member, MemberStatus
from tests.support import add_member

SOURCE = Path(__file__).resolve().parents[2] / "association"

# The stored strings: changing one of these is a data migration, not a refactoring.
STORED = {
    MemberStatus: ("applicant", "active", "lapsed", "suspended", "left"),
    ApplicationState: ("unconfirmed", "waiting", "approved", "declined"),
    RsvpResponse: ("going", "waitlisted", "not_going"),
    OutboxStatus: ("queued", "claimed", "sending", "sent", "failed", "withdrawn"),
    CampaignStatus: ("draft", "scheduled", "queued", "cancelled"),
    EventStatus: ("scheduled", "cancelled"),
}

# Which names carry which vocabularies: an attribute (``member.status``), a keyword (``status=``),
# a parameter or variable of that name, or a dict key (``.values({"status": …})``).
VOCABULARIES: dict[str, tuple[type[StrEnum], ...]] = {
    "status": (MemberStatus, OutboxStatus, CampaignStatus, EventStatus),
    "application_state": (ApplicationState,),
    "response": (RsvpResponse,),
}


@pytest.mark.parametrize("enum", list(STORED), ids=lambda e: e.__name__)
def test_the_values_are_what_the_database_holds(enum):
    assert tuple(member.value for member in enum) == STORED[enum]
    assert all(enum.__doc__ and member.value in enum.__doc__ for member in enum), "the docstring says what each means"


def test_the_old_lists_are_the_enums():
    from association.admin.forms import MemberEditForm
    from association.campaigns import models as campaigns
    from association.events import models as events
    from association.mail import models as mail
    from association.members import models as members

    assert members.STATUSES == tuple(MemberStatus)
    assert members.APPLICATION_STATES == tuple(ApplicationState)
    assert mail.OUTBOX_STATUSES == tuple(OutboxStatus)
    assert events.RSVP_RESPONSES == tuple(RsvpResponse)
    assert campaigns.CAMPAIGN_STATUSES == tuple(CampaignStatus)
    assert [value for value, _label in MemberEditForm.status.kwargs["choices"]] == list(MemberStatus)


def test_columns_load_enum_members_and_bind_plain_strings(app):
    """On both engines: a loaded row holds the member, and SQL comparisons bind the string."""
    member = add_member(app, status=MemberStatus.ACTIVE)
    with app.app_context():
        loaded = db.session.get(Member, member.id)
        assert loaded.status is MemberStatus.ACTIVE
        assert loaded.application_state is ApplicationState.APPROVED
        found = db.session.scalars(
            select(Member.id).where(Member.status == MemberStatus.ACTIVE, Member.status.in_(tuple(MemberStatus)))
        ).all()
        assert member.id in found
        raw = db.session.execute(
            select(Member.__table__.c.status)
            .where(Member.id == member.id)
            .with_only_columns(db.literal_column("status"))
        ).scalar_one()
        assert type(raw) is str and raw == "active"
        compiled = select(Member.id).where(Member.status == MemberStatus.LAPSED).compile()
        assert list(compiled.params.values()) == [MemberStatus.LAPSED]
        assert type(Member.__table__.c.status.type.process_bind_param(MemberStatus.LAPSED, None)) is str


def test_the_columns_are_strings_to_the_schema():
    """Alembic sees VARCHAR: the enum is Python's business, so no migration was needed."""
    columns = (
        Member.status,
        Member.application_state,
        RSVP.response,
        OutboxMessage.status,
        Campaign.status,
        Event.status,
    )
    for column in columns:
        assert isinstance(column.type, StrEnumType)
        assert column.type.impl.__class__.__name__ == "String"


# --- No bare literal of a vocabulary ----------------------------------------------------------


def _vocabulary(name: str) -> str | None:
    """The vocabulary a name carries: ``status``, ``my_response``, ``responses``, ``OUTBOX_STATUSES``."""
    name = name.lower()
    for key in VOCABULARIES:
        if name.endswith((key, key + "s", key + "es")):
            return key
    return None


def _names(node: ast.AST) -> set[str]:
    """The vocabulary names an expression stands for: ``x.status`` and ``status`` say "status"."""
    if isinstance(node, ast.Attribute):
        return {node.attr}
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return {str(node.slice.value)}  # row["status"]
    return set()


def _strings(node: ast.AST | None) -> list[ast.Constant]:
    """String constants in an expression, in a tuple/list/set of them, or either side of an ``if``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [item for element in node.elts for item in _strings(element)]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def _bare(names: set[str], node: ast.AST | None) -> list[ast.Constant]:
    keys = {_vocabulary(name) for name in names}
    values = {m.value for key in keys if key for enum in VOCABULARIES[key] for m in enum}
    return [c for c in _strings(node) if c.value in values]


def _pairs(target: ast.AST, value: ast.AST | None) -> list[tuple[ast.AST, ast.AST | None]]:
    """``a.response, a.note = "going", note`` pairs each target with its own value."""
    if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts):
        return list(zip(target.elts, value.elts, strict=True))
    return [(target, value)]


def bare_literals(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[ast.Constant] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            names = set().union(*(_names(side) for side in sides))
            for side in sides:
                found += _bare(names, side)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for whole in targets:
                for target, value in _pairs(whole, node.value):
                    found += _bare(_names(target), value)
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                found += _bare({keyword.arg or ""}, keyword.value)
            # Member.status.in_(["active", "lapsed"]), .notin_(…), .is_(…)
            if isinstance(node.func, ast.Attribute) and node.func.attr in ("in_", "not_in", "notin_", "is_"):
                for arg in node.args:
                    found += _bare(_names(node.func.value), arg)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    found += _bare({key.value}, value)
        elif isinstance(node, ast.arguments):
            positional = [*node.posonlyargs, *node.args]
            for arg, default in zip(positional[len(positional) - len(node.defaults) :], node.defaults, strict=True):
                found += _bare({arg.arg}, default)
            for arg, default in zip(node.kwonlyargs, node.kw_defaults, strict=True):
                found += _bare({arg.arg}, default)
    return sorted({(c.lineno, c.value) for c in found})


def test_the_checker_finds_what_it_should_and_no_ordinary_words():
    code = """
member.status = "active"
if rsvp.response in ("going", "waitlisted"): pass
q = select(Member).where(Member.status.in_(["lapsed"]), Member.application_state == "waiting")
make_member(status="left")
db.session.execute(update(OutboxMessage).values({"status": "queued"}))
def reply(event, response="going"): pass
rsvp.response, rsvp.note = "waitlisted", "left"
RENEWABLE_STATUSES = ("active",)
tell(responses=("going",), application_state="approved" if ok else "waiting")
ok = "left" in sides or word == "sent" or status_line == "active" or flash("Email sent", "success")
label = {"active": "Active"}
"""
    assert bare_literals(ast.parse(code)) == [
        (2, "active"),
        (3, "going"),
        (3, "waitlisted"),
        (4, "lapsed"),
        (4, "waiting"),
        (5, "left"),
        (6, "queued"),
        (7, "going"),
        (8, "waitlisted"),
        (9, "active"),
        (10, "approved"),
        (10, "going"),
        (10, "waiting"),
    ]


def test_no_bare_literal_of_a_vocabulary_remains():
    found = [
        f"{path.relative_to(SOURCE.parent)}:{line}: {value!r}"
        for path in sorted(SOURCE.rglob("*.py"))
        for line, value in bare_literals(ast.parse(path.read_text(), filename=str(path)))
    ]
    assert found == [], "use the enum member:\n" + "\n".join(found)
