"""The members' names for the personal-data check (core/personal_data/known.py).

Members' first and last names, household names and fostering-service names: the check uses
them to tell a member addressed by name ("thanks Jo") from a child's name, and to keep every
name out of what goes to the service. Service names are not people ("Bedford Borough Council").
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from ..core import hooks
from ..core.personal_data import KnownPeople, drop_known_people_on_change
from ..extensions import db
from .models import FORMER_MEMBER, Household, Member

CACHE_REFILL = "/* known people: cache refill */"


def members_known_to_the_check(_app: Flask) -> KnownPeople:
    """Members' names for ``hooks.reading_known_people``: three small queries, run at most once a
    minute per process (the check caches them)."""
    # No autoflush: the check runs in the middle of rule functions that have pending objects.
    # Whole columns, read on purpose: the comment lets the query-plan test tell this cache refill
    # (once a minute per process) from a page's own statements, which must use indexes.
    with db.session.no_autoflush:
        people = db.session.scalars(
            select(Member.name).prefix_with(CACHE_REFILL).where(Member.name != FORMER_MEMBER)
        ).all()
        households = db.session.scalars(select(Household.name).prefix_with(CACHE_REFILL)).all()
        services = db.session.scalars(select(Member.service_name).prefix_with(CACHE_REFILL).distinct()).all()
    return KnownPeople.from_names(people, households, services)


def register_with_the_check(app: Flask) -> None:
    """Give the check these names for ``app``; a flushed change to a member or household drops its cache."""
    hooks.reading_known_people.connect(members_known_to_the_check, sender=app)
    drop_known_people_on_change(Member, Household)
