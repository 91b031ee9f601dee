"""Line breaks and control characters: refused by every one-line form field, and at flush for every
String column of every model; multi-line text keeps its line breaks but not NUL (issue 11, defect 2).
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from sqlalchemy import func, select
from wtforms import Form, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.fields.core import UnboundField

import association
from association.core.audit import AuditEntry
from association.core.forms import MultiLine, SingleLine
from association.core.plain_text import UnsafeTextError, breaks_the_line, one_line
from association.extensions import db
from association.forum.models import Category, Post, Report, Thread
from association.members.models import Member
from tests.forum.helpers import add_category, make_trusted
from tests.support import sign_in

# Everything a one-line field refuses: C0 controls (CR, LF, TAB, NUL, ESC), DEL, C1 controls (NEL
# among them), and the Unicode line and paragraph separators.
BREAKING = [
    "Eve\r\nBcc: all@example.org",
    "Eve\nX",
    "Eve\rX",
    "Eve\tX",
    "Eve\x00X",
    "Eve\x1bX",
    "Eve\x7fX",
    "Eve\x85X",
    "Eve\x9fX",
    "Eve\u2028X",
    "Eve\u2029X",
    "\x0b",
    "\x0c",
]
# Still allowed: ordinary text beyond ASCII, right-to-left marks, emoji, a zero-width joiner.
FINE = ["Siân O’Brien-Łukasz", "مريم\u200f", "Jo 🙂", "👩\u200d👧", "Ann  Lee"]


def _all_forms() -> set[type]:
    for info in pkgutil.walk_packages(association.__path__, "association."):
        if info.name.rsplit(".", 1)[-1] in ("forms", "views", "versions"):
            importlib.import_module(info.name)
    found, todo = set(), [Form]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("association.") and sub not in found:
                found.add(sub)
            todo.append(sub)
    return found


def _text_fields():
    """(form, field name, field class, validators) for every text field of every form of the app."""
    for form in sorted(_all_forms(), key=lambda f: (f.__module__, f.__name__)):
        for name in dir(form):
            unbound = getattr(form, name, None)
            if not isinstance(unbound, UnboundField) or not issubclass(unbound.field_class, StringField):
                continue
            if issubclass(unbound.field_class, (PasswordField, HiddenField)):
                continue  # a password is only hashed; a hidden field is checked by its own rule
            validators = unbound.kwargs.get("validators") or (unbound.args[1] if len(unbound.args) > 1 else [])
            yield form, name, unbound.field_class, validators


def test_every_text_field_of_every_form_carries_its_validator():
    single = multi = 0
    missing = []
    for form, name, field_class, validators in _text_fields():
        wanted = MultiLine if issubclass(field_class, TextAreaField) else SingleLine
        if not any(isinstance(v, wanted) for v in validators):
            missing.append(f"{form.__module__}.{form.__name__}.{name} needs {wanted.__name__}()")
        single += wanted is SingleLine
        multi += wanted is MultiLine
    assert not missing, "\n".join(missing)
    assert single >= 40 and multi >= 15, (single, multi)  # the walk found the forms


@pytest.mark.parametrize("value", BREAKING)
def test_one_line_validator_refuses(value):
    assert breaks_the_line(value)
    form = _one_field_form()(data={"name": value})
    assert not form.validate()
    assert form.name.errors == ["Please remove line breaks or special characters from your name."]
    assert not breaks_the_line(one_line(value))


@pytest.mark.parametrize("value", FINE)
def test_one_line_validator_accepts(value):
    assert _one_field_form()(data={"name": value}).validate()


def test_multi_line_validator_keeps_line_breaks_and_refuses_nul():
    class Text(Form):
        body = TextAreaField(validators=[MultiLine()])

    assert Text(data={"body": "First line\r\n\r\n- a list\n\tindented\u2028"}).validate()
    refused = Text(data={"body": "Hello\x00"})
    assert not refused.validate() and "special characters" in refused.body.errors[0]


def _one_field_form():
    class One(Form):
        name = StringField(validators=[SingleLine("your name")])

    return One


# --- At flush: every String column of every model ------------------------------------------------


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("value", BREAKING[:4] + ["Eve\x00", "Eve\u2028"])
def test_a_new_row_with_a_broken_name_is_refused_and_nothing_of_the_flush_is_written(app, value):
    with app.app_context():
        db.session.add(AuditEntry(action="member.import", detail="written in the same flush"))
        db.session.add(Member(name=value, email="eve@example.org", area="Otley"))
        with pytest.raises(UnsafeTextError, match="line breaks or special characters from the name"):
            db.session.flush()
        db.session.rollback()
    assert _count(app, Member) == 0 and _count(app, AuditEntry) == 0


def test_a_changed_value_is_checked_and_untouched_columns_are_not(app, make_member):
    jo = make_member("Jo Carer")
    with app.app_context():
        member = db.session.get(Member, jo.id)
        member.area = "Otley\r\nBcc: x@example.org"
        with pytest.raises(UnsafeTextError, match="from the area"):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(Member, jo.id).area == "Riverside"


def test_every_kind_of_row_is_checked_not_only_members(app, make_member):
    jo = make_member("Jo Carer")
    category_id = add_category(app)
    with app.app_context():
        db.session.add(Thread(category_id=category_id, title="Tea\nX-Header: 1", author_id=jo.id))
        with pytest.raises(UnsafeTextError, match="from the title"):
            db.session.flush()
        db.session.rollback()
        category = db.session.get(Category, category_id)
        category.description = "Line one\u2029Line two"
        with pytest.raises(UnsafeTextError, match="from the description"):
            db.session.flush()
        db.session.rollback()


def test_text_columns_keep_line_breaks_but_refuse_nul(app, make_member):
    jo = make_member("Jo Carer")
    with app.app_context():
        db.session.add(AuditEntry(action="note", detail="several\nlines\r\nare fine\there"))
        db.session.commit()
        db.session.add(AuditEntry(action="note", detail="but not \x00"))
        with pytest.raises(UnsafeTextError, match="NUL"):
            db.session.commit()
        db.session.rollback()
        # A String column marked multi-line (a report's reason comes from a text area) keeps them too.
        add_category(app)
        make_trusted(app, jo.id)
        post_id = db.session.scalar(select(Post.id).join(Thread).where(Thread.title == "Earlier posts").limit(1))
        db.session.add(Report(post_id=post_id, reporter_id=jo.id, reason="First,\nsecond."))
        db.session.commit()
    assert _count(app, AuditEntry) == 1


def test_statements_written_without_the_orm_are_checked_too(app, make_member):
    """INSERT ... ON CONFLICT, bulk and Core UPDATEs skip the flush: they are checked before execution."""
    from sqlalchemy import insert, update

    from association.core.database import insert_or_ignore
    from association.mail.models import OutboxMessage
    from association.members.models import Skill

    jo = make_member("Jo Carer")
    with app.app_context():
        refused = [
            lambda: insert_or_ignore(Skill, name="First aid\nX"),
            lambda: db.session.execute(insert(Skill), [{"name": "fine"}, {"name": "Cooking\x85"}]),
            lambda: db.session.execute(insert(Skill.__table__).values([{"name": "ok"}, {"name": "b\tc"}])),
            lambda: db.session.execute(update(Member).where(Member.id == jo.id).values(name="Jo\r\nBcc: x")),
            lambda: db.session.execute(update(Member).values({Member.area: "Otley\u2028"})),
            lambda: db.session.connection().execute(
                OutboxMessage.__table__.update().values(to_name="Jo\nX", text_body="fine\nlines")
            ),
            lambda: db.session.execute(update(AuditEntry).values(detail="NUL \x00")),
        ]
        for statement in refused:
            with pytest.raises(UnsafeTextError):
                statement()
            db.session.rollback()
        # Other statements pass untouched: counters, Text with line breaks, plain values.
        db.session.execute(
            update(Member).where(Member.id == jo.id).values(years_fostering=Member.years_fostering + 1, area="Otley")
        )
        db.session.execute(update(AuditEntry).values(detail="two\nlines"))
        assert insert_or_ignore(Skill, name="First aid")
        db.session.commit()
        assert db.session.get(Member, jo.id).name == "Jo Carer"


def test_a_request_that_reaches_the_model_check_gets_a_400_and_leaves_nothing(app, make_member):
    """No form in the app lets such a value through any more; this route stands for a future path
    that forgets to check: the model-level check answers it with a clear 400 and a rollback."""
    admin = make_member("Alex Admin", roles=["admin"])

    @app.post("/test-only/unchecked-member")
    def _unchecked():
        from flask import request

        db.session.add(AuditEntry(action="member.add", detail="first half"))
        db.session.flush()
        db.session.add(Member(name=request.form["name"], email="eve@example.org", area="Otley"))
        db.session.commit()
        return "stored"

    client = sign_in(app.test_client(), admin)
    before = _count(app, AuditEntry)
    response = client.post("/test-only/unchecked-member", data={"name": "Eve\r\nBcc: all@example.org"})
    assert response.status_code == 400
    assert b"Please remove line breaks or special characters from the name." in response.data
    assert _count(app, AuditEntry) == before
    with app.app_context():
        assert db.session.scalar(select(Member).where(Member.email == "eve@example.org")) is None
    as_json = client.post(
        "/test-only/unchecked-member", data={"name": "Eve\u2028"}, headers={"Accept": "application/json"}
    )
    assert as_json.status_code == 400 and "line breaks" in as_json.get_json()["detail"]


# --- Through the forms, end to end ---------------------------------------------------------------

APPLY = {
    "name": "Nia Hughes",
    "email": "nia@example.org",
    "phone": "07700 900123",
    "area": "Otley",
    "service_name": "Riverside County Council",
    "service_type": "local_authority",
    "approval_category": "kinship",
    "years_fostering": "3",
    "how_heard": "Another carer",
    "consent": "y",
}


@pytest.mark.parametrize("field", ["name", "area", "service_name", "how_heard"])
@pytest.mark.parametrize("value", ["Nia\r\nBcc: all@example.org", "Nia\tHughes", "Nia\u2028Hughes", "Nia\x85"])
def test_apply_refuses_control_characters_and_creates_nothing(app, client, field, value):
    response = client.post("/apply", data={**APPLY, field: value})
    assert response.status_code == 200
    message = ("from your name" if field == "name" else "from this field").encode()
    assert b"Please remove line breaks or special characters " + message in response.data
    assert _count(app, Member) == 0
    from association.mail.models import OutboxMessage

    assert _count(app, OutboxMessage) == 0


def test_admin_edit_refuses_a_broken_name_and_keeps_the_old_one(app, admin_client, make_member):
    client, _admin = admin_client
    jo = make_member("Jo Carer")
    page = client.get(f"/admin/members/{jo.id}")
    assert page.status_code == 200
    from tests.admin.test_member_edit_safety import _edit_data

    response = client.post(f"/admin/members/{jo.id}", data=_edit_data(jo, name="Jo\r\nBcc: all@example.org"))
    assert response.status_code == 200
    assert b"Please remove line breaks or special characters from the name." in response.data
    with app.app_context():
        assert db.session.get(Member, jo.id).name == "Jo Carer"


def test_forum_title_refuses_line_breaks_while_the_body_keeps_them(app, make_member):
    jo = make_member("Jo Carer")
    category_id = add_category(app)
    make_trusted(app, jo.id)
    client = sign_in(app.test_client(), jo)
    refused = client.post(f"/forum/c/{category_id}/new", data={"title": "Respite\nX-Header: 1", "body": "Hello"})
    assert refused.status_code == 200 and b"Please remove line breaks" in refused.data
    kept = client.post(f"/forum/c/{category_id}/new", data={"title": "Respite", "body": "First line\n\nSecond"})
    assert kept.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Thread).where(Thread.title == "Respite")) == 1


def test_campaign_subject_refuses_line_breaks(app, admin_client):
    client, _admin = admin_client
    response = client.post(
        "/admin/mail/new",
        data={
            "subject": "Summer social\r\nBcc: everyone@example.org",
            "body": "Hello {{ first_name }}",
            "topic": "news",
            "audience": "active",
        },
    )
    assert response.status_code == 200 and b"Please remove line breaks" in response.data
