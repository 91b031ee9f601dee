"""Every hook of the app, declared once: where a lower layer asks the parts above it for something.

Layers only look down (DESIGN.md), yet the demo command, the own-data download, the outbox worker
and the personal-data check each need something from every part. Each such need is a blinker
signal below, and its docstring is its contract: what it is for, who sends it and when, what a
receiver gets and what it returns, and in what order receivers run.

How a part plugs in: in its ``register(app)`` it connects a module-level function for that app
only, ``hooks.X.connect(receiver, sender=app)``; whoever sends the hook passes the current app
(``send_in_app``). A second app built in the same process (the tests build hundreds) therefore has
its own receivers; a send for one app runs each of its receivers once and none of the other's.
Connecting the same receiver again for the same app changes nothing, and blinker drops an app's
receivers when the app is garbage-collected. Receivers are held weakly, so connect functions
defined at module level, never a closure or lambda (it would vanish silently).

Receivers run in the order they were connected for the app, which is the order ``create_app``
registers the parts: members, events, training, forum, strategy, mail, campaigns, admin - lower layers first, so a
part's receiver may rely on what the parts below it did in the same send. (Blinker's own order is
undefined; Hook keeps the connection order so every run is the same.)

Also per app, but not signals: ``core.waiting.declare_waiting`` (the counts in the menu).
"""

from __future__ import annotations

from typing import Any

from blinker import NamedSignal
from flask import current_app


class _InOrder(dict):
    """The set of receiver (or sender) ids, kept in the order they were added."""

    def add(self, item: Any) -> None:
        self[item] = None

    def discard(self, item: Any) -> None:
        self.pop(item, None)

    def __or__(self, other: dict) -> _InOrder:
        return _InOrder({**self, **other})

    def copy(self) -> _InOrder:
        return _InOrder(self)


class Hook(NamedSignal):
    """A blinker signal whose receivers run in the order they were connected."""

    # Blinker documents set_class for exactly this; it is typed as a set, hence the ignore.
    set_class = _InOrder  # type: ignore[assignment]

    def send_in_app(self, **kwargs: Any) -> list[Any]:
        """Send with the current app as sender (not the proxy: receivers are connected to the app
        object); returns what each receiver returned, in their order."""
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        return [value for _receiver, value in self.send(app, **kwargs)]


seeding_demo = Hook(
    "seeding-demo",
    doc="""Add a part's demo data. Sent by ``flask seed-demo`` (and ``flask serve`` on an empty
    database) once the members and households are made; the command commits after the last receiver.

    Receiver: ``(app, members)``, ``members`` being the demo members by email (the named sign-ins
    admin@, moderator@, strategy@, carer@ and applicant@example.org among them). It adds its part's
    rows and returns nothing. (Strategy's and campaigns' commit on the way, as the rule functions they
    call to issue a pack or queue a campaign do.)

    Order matters: members (made before the send) -> events -> training -> forum -> strategy -> campaigns, the
    order the parts are registered. A part's demo may use what the parts before it
    seeded (the campaigns are about the events; the forum quotes the members).""",
)

exporting_member_data = Hook(
    "exporting-member-data",
    doc="""What a part holds about one member, for the member's own data download (members/privacy.py,
    ``/account/export.json``). Sent once per download, after members' own sections are gathered.

    Receiver: ``(app, member)``; returns a dict of section name -> JSON-able value (lists of dicts
    of strings and numbers, dates as ISO strings), merged into the download in receiver order. A
    section name is unique across parts (``event_replies`` is the events part's).""",
)

erasing_member = Hook(
    "erasing-member",
    doc="""A member's personal data is being erased. Sent by ``erase_member`` (members/registry.py)
    inside the erasing transaction, after the member's own fields are wiped and before the commit.

    Receiver: ``(app, member)``; removes or blanks what its part holds that is personal to the
    member (training removes their own entries, certificate files and when they were last reminded;
    registers keep a "Former member" line so totals stay right). Flushes, never commits; returns
    nothing.""",
)

loading_attachment = Hook(
    "loading-attachment",
    doc="""Make the file attached to an email. Outbox rows store only a key, ``kind:id``
    (``pack-pdf:12``), so the file is read when the email is built. Sent by ``load_attachment``
    (mail/attachments.py) as the worker builds a message whose row has a key.

    Receiver: ``(app, kind, ident)``, both strings; returns ``(filename, content type, bytes)`` for
    a kind it owns and None for any other. One receiver owns a kind (``pack-pdf``: strategy). With
    no owner ``load_attachment`` raises LookupError, and the worker fails that message alone.""",
)

listing_daily_jobs = Hook(
    "listing-daily-jobs",
    doc="""The jobs the worker runs once a day (association time) across every worker process. Sent
    by ``run_due_jobs`` (mail/jobs.py) in each worker round: ``flask worker`` and the worker thread
    of ``flask serve``.

    Receiver: ``(app)``; returns a dict of job name -> function taking no arguments that commits
    its own work. The name is stored (``JobRun``) to claim a day's run, so it must never change and
    is unique across parts. Jobs run in receiver order, then in the dict's order: members'
    renewals, events' reminders and series, training reminders, the forum digest, strategy reminders,
    the weekly digest.""",
)

working_each_round = Hook(
    "working-each-round",
    doc="""Timed work a part has the outbox worker do in every round, after the daily jobs and before
    sending, so what it queues goes out in the same round. Sent by ``worker_round`` (mail/cli.py):
    ``flask worker`` and the worker thread of ``flask serve``.

    Receiver: ``(app)``; does its work, commits it, and returns ``(words, count)`` for the worker's
    report: campaigns returns ``("campaigns queued", n)`` for the scheduled campaigns whose time
    had come, and ``flask worker --once`` prints "campaigns queued n". An error ends the round (the
    worker logs it and tries again next round), as a daily job's does.""",
)

reading_known_people = Hook(
    "reading-known-people",
    doc="""The people the personal-data check knows by name (core/personal_data/known.py), so that it
    tells a member addressed by first name from a child's name. Sent when the check needs names and
    its per-app cache is older than a minute or was dropped by a flushed change to a watched model.

    Receiver: ``(app)``, inside an app context and with autoflush off; returns a ``KnownPeople`` or
    an iterable of full names. Results from all receivers are joined; order does not matter.""",
)
