"""The declared hooks (association/core/hooks.py): every part's receivers, connected per app.

Two apps built in one process (as the test suite and ``flask`` commands do) must each run every
receiver once per send, in the documented order, and never each other's.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from association.core import hooks
from association.core.personal_data import known_people
from association.events.models import RSVP, Event, RsvpResponse
from association.extensions import db
from association.mail.attachments import load_attachment
from association.mail.jobs import daily_jobs, run_due_jobs
from association.members.models import Member
from association.members.privacy import export_member_data
from association.strategy.models import PackVersion
from tests.support import add_member, dispose_app, make_app

PACKAGE = Path(__file__).resolve().parents[2] / "association"

# What each hook's receivers are, in the order they run (the order create_app registers the parts).
RECEIVERS = {
    hooks.seeding_demo: [
        "association.events.seed_demo",
        "association.training.seed_demo",
        "association.forum.seed_demo",
        "association.strategy.seed_demo",
        "association.campaigns.seed_demo",
    ],
    hooks.exporting_member_data: ["association.events.member_data", "association.training.member_data"],
    hooks.erasing_member: ["association.training.erase_member"],
    hooks.loading_attachment: ["association.strategy.attachment"],
    hooks.listing_daily_jobs: [
        "association.members.daily_jobs",
        "association.events.daily_jobs",
        "association.training.daily_jobs",
        "association.forum.daily_jobs",
        "association.strategy.daily_jobs",
        "association.campaigns.daily_jobs",
    ],
    hooks.reading_known_people: ["association.members.known_people.members_known_to_the_check"],
    hooks.working_each_round: ["association.campaigns.release_scheduled"],
}
JOBS = {  # job name -> (module, function the part lists under that name)
    "membership-renewals": ("association.members.renewals", "run_renewals"),
    "event-reminders": ("association.events.reminders", "send_reminders"),
    "extend-series": ("association.events.reminders", "extend_series_job"),
    "training-reminders": ("association.training.reminders", "send_training_reminders"),
    "forum-digest": ("association.forum.notify", "send_digests"),
    "strategy-reminders": ("association.strategy.meetings", "send_reminders"),
    "weekly-digest": ("association.campaigns.digest", "weekly_digest"),
}
SEEDERS = [
    ("association.events.demo", "seed_events"),
    ("association.training.demo", "seed_training"),
    ("association.forum.demo", "seed_forum"),
    ("association.strategy.demo", "seed_strategy"),
    ("association.campaigns.demo", "seed_mail"),
]


@pytest.fixture
def two_apps():
    """Two apps made one after the other in this process, each on its own database."""
    apps = [make_app("sqlite://"), make_app("sqlite://")]
    yield apps
    for app in apps:
        dispose_app(app)


def _names(hook, app) -> list[str]:
    return [f"{r.__module__}.{r.__qualname__}" for r in hook.receivers_for(app)]


def _spy(monkeypatch, calls: list, module: str, name: str) -> None:
    """Count calls of ``module.name`` (then call it): receivers look their functions up when sent."""
    real = getattr(__import__(module, fromlist=[name]), name)

    def spy(*args, **kwargs):
        calls.append(name)
        return real(*args, **kwargs)

    monkeypatch.setattr(f"{module}.{name}", spy)


def test_every_hook_is_declared_in_hooks_py_with_its_contract():
    declared = [value for value in vars(hooks).values() if isinstance(value, hooks.Hook)]
    assert set(declared) == set(RECEIVERS)
    for hook in declared:
        doc = hook.__doc__ or ""
        assert "Sent" in doc and "Receiver" in doc and "return" in doc, hook.name


def test_parts_connect_to_their_own_app_and_keep_no_registry_filled_on_import():
    source = {path: path.read_text() for path in PACKAGE.rglob("*.py")}
    connects = [
        (path.name, line.strip())
        for path, text in source.items()
        for line in text.splitlines()
        if re.search(r"hooks\.\w+\.connect\(", line)
    ]
    assert connects and all("sender=app)" in line for _, line in connects), connects
    for old in ("DEMO_SEEDERS", "EXPORT_SECTIONS", "LOADERS", "DAILY_JOBS", "def daily_job("):
        assert not [path.name for path, text in source.items() if old in text], old


def test_two_apps_in_one_process_have_each_receiver_once_in_order(two_apps):
    first, second = two_apps
    for hook, expected in RECEIVERS.items():
        assert _names(hook, first) == expected, hook.name
        assert list(hook.receivers_for(first)) == list(hook.receivers_for(second)), hook.name
    with first.app_context():
        assert list(daily_jobs()) == list(JOBS)  # unique names: a duplicate would raise


def test_with_two_apps_daily_jobs_run_once_and_export_sections_appear_once(two_apps, monkeypatch):
    ran: list[str] = []
    for module, name in JOBS.values():
        monkeypatch.setattr(f"{module}.{name}", lambda name=name: ran.append(name))
    exported: list[str] = []
    _spy(monkeypatch, exported, "association.events.privacy", "export_rsvps")
    for app in two_apps:
        ran.clear()
        exported.clear()
        member = add_member(app, "Jo Fletcher")
        with app.app_context():
            assert run_due_jobs() == list(JOBS)
            assert ran == [function for _, function in JOBS.values()]  # each once, in order
            assert run_due_jobs() == [] and len(ran) == len(JOBS)
            assert hooks.working_each_round.send_in_app() == [("campaigns queued", 0)]  # once for this app

            starts = datetime(2030, 5, 4, 10)
            event = Event(title="Coffee morning", starts_at=starts, ends_at=starts + timedelta(hours=2))
            db.session.add(event)
            db.session.flush()
            db.session.add(
                RSVP(event_id=event.id, member_id=member.id, response=RsvpResponse.GOING, adults=1, children=0)
            )
            db.session.commit()
            data = export_member_data(db.session.get(Member, member.id))
            assert exported == ["export_rsvps"]
            assert [reply["event"] for reply in data["event_replies"]] == ["Coffee morning"]
            assert known_people().first_names >= {"jo"}  # the members part answers for this app too


def test_with_two_apps_the_demo_seeds_once_in_part_order(two_apps, monkeypatch):
    first, second = two_apps
    seeded: list[str] = []
    for module, name in SEEDERS:
        _spy(monkeypatch, seeded, module, name)
    assert first.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    assert seeded == [name for _, name in SEEDERS]
    with first.app_context():
        events = Counter(db.session.execute(select(Event.title, Event.starts_at)).all())
        assert events and max(events.values()) == 1, events  # seeded twice would repeat every event
        version = db.session.scalars(select(PackVersion)).first()
        filename, content_type, pdf = load_attachment(f"pack-pdf:{version.id}")
        assert filename.endswith(".pdf") and content_type == "application/pdf" and pdf.startswith(b"%PDF")
        with pytest.raises(LookupError):
            load_attachment("unknown-kind:1")
    with second.app_context():
        assert db.session.scalar(select(db.func.count(Member.id))) == 0  # the other app was left alone
