"""No page shows a person an internal code: a template name, a Python repr, a status or choice
value as the code stores it, an audit action code or a raw "servicemeeting 4".

Every GET page is read as every visitor who may see it (the crawl of tests/page_crawl.py), and
only the text a person reads is checked: not attribute values (links, option values, hidden
inputs), not scripts or styles, and not what sits in a text box (that is the person's own typing).
Codes meant to be shown are allowed below, each with the reason.
"""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from association.extensions import db

from .page_crawl import client_as, every_role
from .test_access_control import people  # noqa: F401 (fixture)
from .test_hostile_sweep import sweep_objects  # noqa: F401 (fixture)

SOURCE = Path(__file__).resolve().parent.parent / "association"

# Text a page shows on purpose although it looks like a code: (pattern, reason).
ALLOWED = [
    (r"\{\{ ?[a-z_]+ ?\}\}", "the campaign editor lists the merge fields an author types, e.g. {{ first_name }}"),
    (r"\{[a-z_]+\}", 'the campaign editor\'s greeting shows the merge field it uses: "Hello {first name},"'),
]


@pytest.fixture
def database_url():
    """SQLite only: what a page says does not depend on the database engine."""
    return "sqlite://"


class VisibleText(HTMLParser):
    """The text a person reads on a page, one string per run of text."""

    # Not read as wording: scripts and styles, what a person typed (a text box), and what is
    # marked up as code on purpose: the import page documents the CSV file's column values
    # (``local_authority``), which must be typed exactly as shown.
    SKIPPED = {"script", "style", "template", "textarea", "code", "kbd", "samp"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self._skipping.append(tag)

    def handle_endtag(self, tag):
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_text(html: str) -> str:
    reader = VisibleText()
    reader.feed(html)
    return " | ".join(reader.texts)


def stored_codes() -> set[str]:
    """The values the models store that a person must see in words: statuses, roles, kinds,
    categories, outbox statuses, audit actions (only those that cannot pass for a word)."""
    from association.campaigns import audiences
    from association.campaigns import models as campaigns
    from association.events import models as events
    from association.forum import models as forum
    from association.mail import models as mail
    from association.mail import preferences
    from association.members import models as members
    from association.strategy import models as strategy

    collections = [
        members.STATUSES,
        members.ROLES,
        members.APPROVAL_CATEGORIES,
        members.SERVICE_TYPES,
        members.APPLICATION_STATES,
        events.KINDS,
        events.VISIBILITIES,
        events.RSVP_RESPONSES,
        forum.POST_STATUSES,
        forum.HELD_REASONS,
        mail.OUTBOX_STATUSES,
        campaigns.CAMPAIGN_STATUSES,
        audiences.AUDIENCES,
        audiences.TOPICS,
        preferences.FORUM_CHOICES,
        preferences.DEFAULTS,
        strategy.KINDS,
        strategy.ITEM_STATUSES,
        strategy.OUTCOME_STATUSES,
        strategy.OWNERS,
    ]
    codes = {str(code) for collection in collections for code in collection}
    # Audit and moderation actions, as the code writes them: record("member.edited", …).
    for path in SOURCE.rglob("*.py"):
        codes |= set(re.findall(r"\brecord\(\s*[\"']([a-z_]+\.[a-z_.]+)[\"']", path.read_text()))
    # Plain words ("active", "draft", "going") are English as well as codes; a code with an
    # underscore or a dot is never a word.
    return {code for code in codes if "_" in code or "." in code}


# Tables whose names are also words people use with a number ("Quote post 2" is the second post
# of a thread, as its heading says).
WORDS_WITH_NUMBERS = {"post", "thread", "event", "category", "report", "campaign", "household"}


def model_names() -> set[str]:
    """How the audit log names a row's table (``type(subject).__name__.lower()``): "servicemeeting 4"."""
    return {mapper.class_.__name__.lower() for mapper in db.Model.registry.mappers} - WORDS_WITH_NUMBERS


def problems_in(text: str, codes: set[str], tables: set[str]) -> list[str]:
    for pattern, _reason in ALLOWED:
        text = re.sub(pattern, " ", text)
    found = []
    found += [f"template name {m!r}" for m in re.findall(r"\b[\w/-]+\.(?:html|txt)\b", text)]
    found += [f"Python repr {m!r}" for m in re.findall(r"<[A-Z]\w+[ >][^|]{0,20}|\bobject at 0x[0-9a-f]+", text)]
    # "None yet" and "None agreed" are English; a None, True or False standing alone is a value.
    found += [f"Python value {m!r}" for m in re.findall(r"\b(?:None|True|False)\b(?! [a-z])", text)]
    found += [
        f"stored code {m!r}"
        for m in re.findall(r"(?<![\w.@/-])[a-z]+(?:[_.][a-z]+)+(?![\w@/-]|\.\w)", text)
        if m in codes or "_" in m
    ]
    found += [f"raw id {m!r}" for m in re.findall(r"\b(?:" + "|".join(sorted(tables)) + r") #?\d+\b", text)]
    return found


def moderation_actions() -> set[str]:
    found = set()
    for path in (SOURCE / "forum").rglob("*.py"):
        found |= set(re.findall(r"\blog\(\w+, [\"']([a-z_]+)[\"']", path.read_text()))
    return found | {"lock", "unlock", "pin", "unpin"}


@pytest.fixture
def history(app, people):
    """Something in every log: an audit entry for each action the code records (about a member,
    a meeting, a pack, a campaign, an event), a moderation entry for each moderation action, and
    an email of each kind in each outbox status."""
    from association.core.audit import AuditEntry
    from association.forum.models import ModerationEntry
    from association.mail.models import OUTBOX_STATUSES, OutboxMessage

    subjects = [
        ("member", people["target"].id),
        ("servicemeeting", people["meeting"]),
        ("packversion", people["version"]),
        ("campaign", people["campaign"]),
        ("event", people["event"]),
    ]
    actions = sorted(code for code in stored_codes() if "." in code)
    with app.app_context():
        for n, action in enumerate(actions):
            kind, subject_id = subjects[n % len(subjects)]
            db.session.add(
                AuditEntry(
                    actor_id=people["admin"].id,
                    action=action,
                    subject_type=kind,
                    subject_id=subject_id,
                    detail="Changed by the committee",
                )
            )
        for action in sorted(moderation_actions()):
            db.session.add(
                ModerationEntry(
                    moderator_id=people["moderator"].id,
                    action=action,
                    post_id=people["post"],
                    thread_id=people["thread"],
                    member_id=people["target"].id,
                    reason="Kind words",
                )
            )
        kinds = ("service", "news", "event", "forum", "strategy")
        for n, status in enumerate(OUTBOX_STATUSES):
            db.session.add(
                OutboxMessage(
                    to_address=f"carer{n}@example.org",
                    kind=kinds[n % len(kinds)],
                    template="confirm_application",
                    subject="Please confirm your application",
                    text_body="Hello",
                    html_body="<p>Hello</p>",
                    message_id=f"<wording-{n}@test>",
                    status=status,
                    delivered_via="catcher" if status == "sent" else None,
                )
            )
        db.session.commit()


def test_no_page_shows_an_internal_code(app, people, sweep_objects, history):
    started = time.perf_counter()
    codes, failures, pages = stored_codes(), [], 0
    with app.app_context():
        tables = model_names()
    clients = {}
    for seen in every_role(app, people, sweep_objects):
        client = clients.setdefault(seen.role, client_as(app, people, seen.role))
        response = client.get(seen.url)
        if response.status_code >= 300 or response.mimetype != "text/html":
            continue
        pages += 1
        text = visible_text(response.get_data(as_text=True))
        for problem in problems_in(text, codes, tables):
            failures.append(f"{seen.url} as {seen.role}: {problem}")
    print(f"\nwording check: {pages} pages read in {time.perf_counter() - started:.1f} s")
    assert pages > 100, f"only {pages} pages were read: is the crawl broken?"
    failures = sorted(set(failures))
    assert not failures, f"{len(failures)} internal codes shown to people:\n" + "\n".join(failures)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Template: confirm_application", ["stored code 'confirm_application'"]),
        ("Sent using email/base.html", ["template name 'email/base.html'"]),
        ("Answer: None", ["Python value 'None'"]),
        ("Who: <Member 3>", ["Python repr '<Member 3>'"]),
        ("mail.campaign_queued by Ada", ["stored code 'mail.campaign_queued'"]),
        ("Changed servicemeeting 4", ["raw id 'servicemeeting 4'"]),
        ("Write to ada.admin@example.org or see example.org/a_b", []),
        ("Hello {{ first_name }}, we met on 3.5 and it was good.", []),
    ],
)
def test_the_check_finds_codes_and_leaves_words(text, expected):
    assert problems_in(text, {"mail.campaign_queued", "confirm_application"}, {"servicemeeting", "member"}) == expected
