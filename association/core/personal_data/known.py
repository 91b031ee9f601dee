"""What the app knows about the people in it: members' names, their households, the services.

Core is the bottom layer and cannot import members, so the members part registers a provider
(``register_known_people``). The names are cached per app and process for a short while, so a
forum page that checks many texts costs at most one look-up per minute, and a change to a
watched model (a member joins, is renamed or erased) drops the cache in this process at once;
other processes catch up within the TTL.
"""

from __future__ import annotations

import re
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

TTL_SECONDS = 60.0

_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
# Words in a household's name that are not anyone's name.
_HOUSEHOLD_WORDS = frozenset("the and family household carers fosterers home of".split())


@dataclass(frozen=True)
class KnownPeople:
    """Lower-case names of the app's people, and words that name no person (fostering services)."""

    first_names: frozenset[str] = frozenset()
    last_names: frozenset[str] = frozenset()
    not_people: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_names(
        cls, people: Iterable[str] = (), households: Iterable[str] = (), services: Iterable[str] = ()
    ) -> KnownPeople:
        """From full names ("Jo Fletcher"), household names ("The Fletchers") and service names."""
        first, last = set(), set()
        for person in people:
            words = [w.lower() for w in _WORD.findall(person or "")]
            if words:
                first.add(words[0])
                last.update(words[1:])
        for household in households:
            for word in _WORD.findall(household or ""):
                word = word.lower()
                if word not in _HOUSEHOLD_WORDS:
                    last.add(word[:-1] if word.endswith("s") and word[:-1] in last else word)
        not_people = {w.lower() for s in services for w in _WORD.findall(s or "")}
        return cls(frozenset(first), frozenset(last), frozenset(not_people - first - last))

    def __or__(self, other: KnownPeople) -> KnownPeople:
        return KnownPeople(
            self.first_names | other.first_names, self.last_names | other.last_names, self.not_people | other.not_people
        )

    def is_member_name(self, word: str) -> bool:
        return word in self.first_names or word in self.last_names


NOBODY = KnownPeople()
_providers: list[Callable[[], KnownPeople]] = []
_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_watched: set[type] = set()
_lock = threading.Lock()


def register_known_people(provider: Callable[[], KnownPeople | Iterable[str]], watch: Iterable[type] = ()) -> None:
    """Add a source of known people, called inside an app context at most once per TTL.

    The provider returns a KnownPeople, or simply the people's full names.
    ``watch``: model classes whose changes (flushed in this process) make the names stale.
    """
    if provider not in _providers:
        _providers.append(provider)
    new = set(watch) - _watched
    if new:
        _watched.update(new)
        from sqlalchemy import event
        from sqlalchemy.orm import Session

        if not event.contains(Session, "after_flush", _on_flush):
            event.listen(Session, "after_flush", _on_flush)


def _on_flush(session, _context) -> None:
    changed = session.new | session.dirty | session.deleted
    if changed and any(isinstance(obj, tuple(_watched)) for obj in changed):
        _drop_cache()


def forget_known_people() -> None:
    """Forget every registered provider and cached name (a benchmark that brings its own people)."""
    _providers.clear()
    _drop_cache()


def _drop_cache() -> None:
    """Names are read again from the providers on the next check in this process."""
    with _lock:
        _cache.clear()


def known_people() -> KnownPeople:
    """The names the registered providers give, cached per app for TTL_SECONDS."""
    if not _providers:
        return NOBODY
    try:
        from flask import current_app

        app = current_app._get_current_object()
    except RuntimeError:  # no app context (a script, the benchmark): nobody is known
        return NOBODY
    now = time.monotonic()
    entry = _cache.get(app)
    if entry and now - entry[0] < TTL_SECONDS:
        return entry[1]
    people = NOBODY
    for provider in list(_providers):
        given = provider()
        people = people | (given if isinstance(given, KnownPeople) else KnownPeople.from_names(given))
    with _lock:
        _cache[app] = (now, people)
    return people
