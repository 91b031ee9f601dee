"""The committee's training topics: listed with how long training in each counts, added (names unique
whatever their case), changed, retired and brought back, each change in the audit log; a retired
topic is not offered for new training but stays on the records that have it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from association.core.audit import AuditEntry
from association.extensions import db
from association.training.models import TrainingEntry, TrainingTopic
from association.training.topics import topic_list, validity_words
from tests.support import sign_in


def add_topic(app, name: str, months: int | None = None, retired: bool = False) -> int:
    with app.app_context():
        topic = TrainingTopic(name=name, validity_months=months, retired=retired)
        db.session.add(topic)
        db.session.commit()
        return topic.id


def topics(app) -> dict[str, tuple[int | None, bool]]:
    with app.app_context():
        return {t.name: (t.validity_months, t.retired) for t in db.session.scalars(select(TrainingTopic))}


def audit(app, prefix: str = "training.topic") -> list[tuple[str, str, int | None]]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEntry.action, AuditEntry.detail, AuditEntry.actor_id)
            .where(AuditEntry.action.like(f"{prefix}%"))
            .order_by(AuditEntry.id)
        )
        return [tuple(row) for row in rows]


@pytest.fixture
def committee(app, make_member):
    person = make_member("Cath Committee", roles=["committee"])
    return sign_in(app.test_client(), person), person


def test_the_list_says_how_long_training_counts_and_what_uses_each_topic(app, committee, make_member):
    client, _ = committee
    first_aid = add_topic(app, "First aid", 36)
    add_topic(app, "Attachment and trauma")
    add_topic(app, "Online safety", 18)
    add_topic(app, "Fire safety", 12, retired=True)
    carer = make_member("Jo Carer")
    with app.app_context():
        db.session.add(
            TrainingEntry(
                member_id=carer.id,
                title="Emergency first aid",
                completed_on=date(2026, 1, 10),
                minutes=360,
                topics=[db.session.get(TrainingTopic, first_aid)],
            )
        )
        db.session.commit()

    page = client.get("/training/topics")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    in_use, retired = html.split('id="retired-title"')
    for words in ("First aid", "3 years", "Attachment and trauma", "does not run out", "18 months"):
        assert words in in_use
    assert "Used on 0 training events and 1 entry carers added." in in_use
    assert "Not used on any training yet." in in_use
    assert "Fire safety" in retired and "1 year" in retired and "Bring back" in retired
    assert "Fire safety" not in in_use


def test_validity_in_words():
    assert [validity_words(m) for m in (None, 1, 12, 18, 36, 120)] == [
        "Does not run out",
        "1 month",
        "1 year",
        "18 months",
        "3 years",
        "10 years",
    ]


def test_the_list_is_one_statement_however_many_topics(app):
    from tests.support import count_queries

    for n in range(3):
        add_topic(app, f"Topic {n}")
    with count_queries(app) as few, app.app_context():
        assert len(topic_list()) == 3
    for n in range(3, 40):
        add_topic(app, f"Topic {n}", n)
    with count_queries(app) as many, app.app_context():
        assert len(topic_list()) == 40
    assert few[0] == many[0] == 1


def test_adding_a_topic_writes_it_and_the_audit_log(app, committee):
    client, person = committee
    response = client.post("/training/topics", data={"name": "  Paediatric   first aid ", "validity_months": "36"})
    assert response.status_code == 302
    assert topics(app) == {"Paediatric first aid": (36, False)}
    assert audit(app) == [("training.topic_added", "Paediatric first aid: 3 years", person.id)]
    assert "Topic added: Paediatric first aid" in client.get("/training/topics").get_data(as_text=True)

    client.post("/training/topics", data={"name": "Attachment and trauma", "validity_months": ""})
    assert topics(app)["Attachment and trauma"] == (None, False)


@pytest.mark.parametrize(
    ("existing_retired", "typed", "message"),
    [
        (False, "first AID", "There is already a topic called “First aid”."),
        (False, "  First   aid ", "There is already a topic called “First aid”."),
        (True, "FIRST AID", "There is already a topic called “First aid”, retired. Bring it back from the list"),
    ],
)
def test_a_name_already_taken_whatever_its_case_is_refused_beside_the_field(
    app, committee, existing_retired, typed, message
):
    client, _ = committee
    add_topic(app, "First aid", 36, retired=existing_retired)
    before = topics(app)
    response = client.post("/training/topics", data={"name": typed, "validity_months": "12"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'id="name-error"' in html and 'aria-invalid="true"' in html
    assert f'value="{typed}"' in html  # what was typed stays in the box
    assert topics(app) == before
    assert audit(app) == []


@pytest.mark.parametrize(
    ("name", "months", "message"),
    [
        ("", "12", "Please give the topic a name, like First aid."),
        ("   ", "12", "Please give the topic a name, like First aid."),
        ("x" * 81, "12", "Field cannot be longer than 80 characters."),
        ("First\naid", "12", "Please remove line breaks or special characters from this field."),
        ("First aid", "0", "Please give between 1 and 120 months (10 years)."),
        ("First aid", "121", "Please give between 1 and 120 months (10 years)."),
        ("First aid", "-3", "Please give between 1 and 120 months (10 years)."),
        ("First aid", "three years", "Please give the number of months as a number, like 36."),
        ("First aid", str(2**63), "Please give between 1 and 120 months (10 years)."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_written(app, committee, name, months, message):
    client, _ = committee
    response = client.post("/training/topics", data={"name": name, "validity_months": months})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert topics(app) == {}
    assert audit(app) == []


def test_the_rules_refuse_what_the_form_would_have(app):
    """The rule checks too, for callers other than the form (a script, the demo data)."""
    from association.training import topics as rules

    with app.app_context():
        with pytest.raises(rules.TopicError, match="between 1 and 120 months") as refused:
            rules.add_topic("First aid", 0, None)
        assert refused.value.field == "validity_months"
        with pytest.raises(rules.TopicError, match="80 characters or fewer"):
            rules.add_topic("y" * 81, None, None)
        topic = rules.add_topic("First aid", 36, None)
        with pytest.raises(rules.TopicError, match="already a topic"):
            rules.add_topic("FIRST AID", None, None)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(TrainingTopic)) == 1
        assert topic.name == "First aid"


def test_changing_a_topic_renames_it_everywhere_and_is_audited(app, committee, make_member):
    client, person = committee
    topic_id = add_topic(app, "First aid", 36)
    other = add_topic(app, "Safeguarding", 36)
    page = client.get(f"/training/topics/{topic_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="First aid"' in html and 'value="36"' in html

    response = client.post(f"/training/topics/{topic_id}", data={"name": "Emergency first aid", "validity_months": ""})
    assert response.status_code == 302
    assert topics(app)["Emergency first aid"] == (None, False)
    assert audit(app) == [
        (
            "training.topic_changed",
            "name “First aid” → “Emergency first aid”; counts for: 3 years → does not run out",
            person.id,
        )
    ]

    # Only the case of its own name: allowed. The same as another topic's: refused, nothing changed.
    assert client.post(f"/training/topics/{topic_id}", data={"name": "EMERGENCY first aid"}).status_code == 302
    refused = client.post(f"/training/topics/{other}", data={"name": "emergency FIRST AID", "validity_months": "12"})
    assert refused.status_code == 400
    assert "There is already a topic called “EMERGENCY first aid”." in refused.get_data(as_text=True)
    assert topics(app)["Safeguarding"] == (36, False)

    # Saving it as it is changes nothing and writes nothing.
    entries = len(audit(app))
    same = client.post(f"/training/topics/{other}", data={"name": "Safeguarding", "validity_months": "36"})
    assert same.status_code == 302
    assert len(audit(app)) == entries


def test_changing_to_bad_values_is_refused_and_keeps_what_was_typed(app, committee):
    client, _ = committee
    topic_id = add_topic(app, "First aid", 36)
    response = client.post(f"/training/topics/{topic_id}", data={"name": "Kept as typed", "validity_months": "500"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Please give between 1 and 120 months" in html and 'value="Kept as typed"' in html
    assert topics(app) == {"First aid": (36, False)}
    assert client.get("/training/topics/999999").status_code == 404


def test_a_retired_topic_is_not_offered_for_new_training_but_stays_on_records(app, committee, make_member):
    client, person = committee
    fire = add_topic(app, "Fire safety", 12)
    add_topic(app, "Safeguarding", 36)
    carer = make_member("Jo Carer")
    with app.app_context():
        db.session.add(
            TrainingEntry(
                member_id=carer.id,
                title="Fire marshal course",
                completed_on=date(2026, 2, 3),
                minutes=120,
                topics=[db.session.get(TrainingTopic, fire)],
            )
        )
        db.session.commit()
    carer_client = sign_in(app.test_client(), carer)
    assert "Fire safety" in carer_client.get("/training/add").get_data(as_text=True)

    response = client.post(f"/training/topics/{fire}/retire")
    assert response.status_code == 302
    assert topics(app)["Fire safety"] == (12, True)
    offered = carer_client.get("/training/add").get_data(as_text=True)
    assert "Fire safety" not in offered and "Safeguarding" in offered
    # The carer's record still has it.
    assert "Fire safety" in carer_client.get("/training/").get_data(as_text=True)

    # Retiring it again changes nothing; bringing it back offers it again.
    client.post(f"/training/topics/{fire}/retire")
    assert client.post(f"/training/topics/{fire}/restore").status_code == 302
    assert topics(app)["Fire safety"] == (12, False)
    assert "Fire safety" in carer_client.get("/training/add").get_data(as_text=True)
    assert audit(app) == [
        ("training.topic_retired", "Fire safety", person.id),
        ("training.topic_restored", "Fire safety", person.id),
    ]


@pytest.mark.parametrize("who", ["member", "organiser", "moderator", "anonymous"])
def test_only_the_committee_and_admins_keep_the_topics(app, make_member, who):
    from tests.events.helpers import add_event

    topic_id = add_topic(app, "First aid", 36)
    client = app.test_client()
    if who != "anonymous":
        person = make_member(f"Some {who.capitalize()}", roles=["moderator"] if who == "moderator" else [])
        if who == "organiser":
            add_event(app, person.id, kind="training", title="First aid refresher")
        sign_in(client, person)
    expected = 302 if who == "anonymous" else 403
    assert client.get("/training/topics").status_code == expected
    assert client.get(f"/training/topics/{topic_id}").status_code == expected
    for url in ("/training/topics", f"/training/topics/{topic_id}"):
        assert client.post(url, data={"name": "Taken over", "validity_months": "1"}).status_code == expected
    for action in ("retire", "restore"):
        assert client.post(f"/training/topics/{topic_id}/{action}").status_code == expected
    assert topics(app) == {"First aid": (36, False)}
    assert audit(app) == []


def test_admins_pass_the_committee_check(app, admin_client):
    client, _ = admin_client
    assert client.get("/training/topics").status_code == 200
    assert client.post("/training/topics", data={"name": "Online safety", "validity_months": "24"}).status_code == 302
    assert topics(app) == {"Online safety": (24, False)}


def test_the_audit_log_says_what_was_done_to_which_topic(app, committee, admin_client):
    client, _ = committee
    client.post("/training/topics", data={"name": "Online safety", "validity_months": "24"})
    admin, _ = admin_client
    html = admin.get("/admin/audit").get_data(as_text=True)
    assert "Cath Committee" in html and "added the training topic" in html and "“Online safety”" in html


def test_the_dashboard_links_to_the_committee_tools(app, committee):
    client, _ = committee
    html = client.get("/admin/").get_data(as_text=True)
    assert 'href="/training/topics"' in html and 'href="/training/report"' in html
