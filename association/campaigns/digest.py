"""The weekly digest, for members who turned it on: events coming up, new threads in the forum
categories they watch, and what the strategy group did this week.

What is the same for everyone (events, new threads, strategy news, watches, roles) is loaded once;
each member's digest is then picked out in Python, so the queries don't grow with the members.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value

from ..core.database import utcnow
from ..core.timefmt import format_date, local_today
from ..events.models import Event, EventStatus
from ..events.queries import visible_visibilities
from ..extensions import db
from ..forum.access import can_see_category
from ..forum.models import Category, CategoryWatch, Thread
from ..mail.outbox import external_url, queue_email
from ..mail.preferences import MailPreferences
from ..members.models import Member, MemberRole, MemberStatus
from ..strategy.models import OUTCOME_STATUSES, FeedbackItem, ItemOutcome, PackVersion, ServiceMeeting, Theme

DAYS_AHEAD = 14
DAYS_BACK = 7
THREADS_PER_CATEGORY = 8  # a busy category links to itself rather than filling a phone screen


@dataclass
class EventLine:
    event: Event
    url: str


@dataclass
class ThreadLine:
    title: str
    url: str
    author_id: int | None


@dataclass
class CategoryNews:
    category: Category
    url: str
    threads: list[ThreadLine]
    more: int = 0


@dataclass
class OutcomeLine:
    """What the service said about something carers raised: themes and pack wording, never who raised it."""

    theme: str
    wording: str
    response: str
    action: str
    status: str
    meeting_held_at: datetime


@dataclass
class StrategyNews:
    packs: list[datetime] = field(default_factory=list)  # the meeting dates of packs issued this week
    outcomes: list[OutcomeLine] = field(default_factory=list)
    url: str = ""

    def __bool__(self) -> bool:
        return bool(self.packs or self.outcomes)


@dataclass
class Digest:
    events: list[EventLine]
    categories: list[CategoryNews]
    strategy: StrategyNews

    def __bool__(self) -> bool:
        return bool(self.events or self.categories or self.strategy)


def weekly_digest() -> int:
    """On the digest weekday (WEEKLY_DIGEST_WEEKDAY, 0 = Monday, association time), queue a digest
    for every member who turned it on and has something in it. Commits; returns emails queued."""
    if local_today().weekday() != current_app.config.get("WEEKLY_DIGEST_WEEKDAY", 0):
        return 0
    return send_weekly_digests()


def send_weekly_digests() -> int:
    """Queue this week's digest to every opted-in member whose digest is not empty. Commits."""
    readers = _readers()
    if not readers:
        return 0
    now = utcnow()
    events = _upcoming_events(now)
    threads = _new_threads(now - timedelta(days=DAYS_BACK))
    watches = _watches()
    strategy = _strategy_news(now - timedelta(days=DAYS_BACK))
    subject = f"Your weekly digest, {format_date(local_today())}"
    queued = 0
    for member in readers:
        digest = digest_for(member, events, threads, watches.get(member.id, set()), strategy)
        if not digest:
            continue
        queue_email(
            member.mail_to,  # an opted-in active member (the query wants an address)
            subject,
            "weekly_digest",
            member=member,
            kind="digest",
            events=digest.events,
            categories=digest.categories,
            strategy=digest.strategy,
        )
        queued += 1
    db.session.commit()
    return queued


def digest_for(
    member: Member, events: list[EventLine], threads: dict[int, CategoryNews], watched: set[int], strategy: StrategyNews
) -> Digest:
    """One member's share of what was loaded: only what they may see, never their own threads."""
    seen = visible_visibilities(member)
    categories = []
    for news in threads.values():
        if news.category.id not in watched or not can_see_category(member, news.category):
            continue
        others = [line for line in news.threads if line.author_id != member.id]
        if others:
            categories.append(
                CategoryNews(
                    news.category, news.url, others[:THREADS_PER_CATEGORY], max(len(others) - THREADS_PER_CATEGORY, 0)
                )
            )
    return Digest([line for line in events if line.event.visibility in seen], categories, strategy)


def _opted_in():
    return (
        select(Member.id)
        .join(MailPreferences, MailPreferences.member_id == Member.id)
        .where(MailPreferences.weekly_digest.is_(True), Member.status == MemberStatus.ACTIVE, Member.email.is_not(None))
    )


def _readers() -> list[Member]:
    """Opted-in members with their roles, in two queries however many there are."""
    members = list(
        db.session.scalars(
            select(Member).where(Member.id.in_(_opted_in())).options(lazyload(Member.role_rows)).order_by(Member.id)
        )
    )
    roles: dict[int, list[MemberRole]] = {}
    for row in db.session.scalars(
        select(MemberRole).where(MemberRole.member_id.in_(_opted_in())).order_by(MemberRole.role)
    ):
        roles.setdefault(row.member_id, []).append(row)
    for member in members:
        set_committed_value(member, "role_rows", roles.get(member.id, []))
    return members


def _watches() -> dict[int, set[int]]:
    watched: dict[int, set[int]] = {}
    for member_id, category_id in db.session.execute(
        select(CategoryWatch.member_id, CategoryWatch.category_id).where(CategoryWatch.member_id.in_(_opted_in()))
    ):
        watched.setdefault(member_id, set()).add(category_id)
    return watched


def _upcoming_events(now: datetime) -> list[EventLine]:
    """Every event not cancelled and not over that starts in the next fortnight, whoever may see it."""
    events = db.session.scalars(
        select(Event)
        .where(
            Event.ends_at >= now,
            Event.starts_at < now + timedelta(days=DAYS_AHEAD),
            Event.status != EventStatus.CANCELLED,
        )
        .order_by(Event.starts_at, Event.id)
    )
    return [EventLine(event, external_url("events.detail", event_id=event.id)) for event in events]


def _new_threads(since: datetime) -> dict[int, CategoryNews]:
    """Threads started since ``since`` that every reader of their category can see, by category."""
    rows = db.session.execute(
        select(Thread.id, Thread.title, Thread.author_id, Category)
        .join(Category, Category.id == Thread.category_id)
        .where(Thread.created_at >= since, Thread.held.is_(False), Thread.visible_posts > 0)
        .order_by(Category.position, Category.name, Thread.created_at, Thread.id)
    ).all()
    by_category: dict[int, CategoryNews] = {}
    for thread_id, title, author_id, category in rows:
        news = by_category.get(category.id)
        if news is None:
            news = by_category[category.id] = CategoryNews(
                category, external_url("forum.category", category_id=category.id), []
            )
        news.threads.append(ThreadLine(title, external_url("forum.thread", thread_id=thread_id), author_id))
    return by_category


def _strategy_news(since: datetime) -> StrategyNews:
    """Packs issued and outcomes recorded since ``since``. Only dates, themes, pack wording and what
    the service said are selected: nothing that could say who raised an item."""
    packs = [
        held_at
        for _id, held_at in db.session.execute(
            select(ServiceMeeting.id, ServiceMeeting.held_at)
            .join(PackVersion, PackVersion.meeting_id == ServiceMeeting.id)
            .where(PackVersion.issued_at >= since)
            .distinct()
            .order_by(ServiceMeeting.held_at)
        )
    ]
    rows = db.session.execute(
        select(
            Theme.name,
            FeedbackItem.pack_wording,
            ItemOutcome.response,
            ItemOutcome.action,
            ItemOutcome.status,
            ServiceMeeting.held_at,
        )
        .join(FeedbackItem, FeedbackItem.id == ItemOutcome.item_id)
        .join(ServiceMeeting, ServiceMeeting.id == ItemOutcome.meeting_id)
        .outerjoin(Theme, Theme.id == FeedbackItem.theme_id)
        .where(ItemOutcome.recorded_at >= since)
        .order_by(ServiceMeeting.held_at, Theme.name.nulls_last(), ItemOutcome.id)
    ).all()
    outcomes = [
        OutcomeLine(theme or "Other", wording, response, action, OUTCOME_STATUSES.get(status, status), held_at)
        for theme, wording, response, action, status, held_at in rows
    ]
    return StrategyNews(packs, outcomes, external_url("strategy.you_said"))
