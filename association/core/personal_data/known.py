"""What the app knows about the people in it: members' names, their households, the services.

Core is the bottom layer and cannot import members, so it asks through a hook
(``hooks.reading_known_people``, which the members part answers for its app); a caller with no
app of its own (the benchmark, the corpus test) gives its people with ``register_known_people``.
The names are cached per app and process for a short while, so a forum page that checks many
texts costs at most one look-up per minute, and a change to a watched model (a member joins, is
renamed or erased) drops the cache in this process at once; other processes catch up within the TTL.
"""

from __future__ import annotations

import re
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .. import hooks

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
# Only what register_known_people gives (callers without an app); the app's own come by the hook.
_providers: list[Callable[[], KnownPeople | Iterable[str]]] = []
_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_watched: set[type] = set()
_lock = threading.Lock()


def register_known_people(provider: Callable[[], KnownPeople | Iterable[str]], watch: Iterable[type] = ()) -> None:
    """Add a source of known people for every app, called inside an app context at most once per TTL.

    For a caller with no app of its own (the benchmark); the app's parts answer
    ``hooks.reading_known_people`` instead. The provider returns a KnownPeople, or simply the
    people's full names. ``watch``: as for ``drop_known_people_on_change``.
    """
    if provider not in _providers:
        _providers.append(provider)
    drop_known_people_on_change(*watch)


def drop_known_people_on_change(*models: type) -> None:
    """Read the names again after a flushed change to any of ``models`` in this process.

    Models are the same for every app, so watching one again (a second app) changes nothing.
    """
    new = set(models) - _watched
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
    """Forget every registered provider and cached name (a benchmark that brings its own people).

    The hook's receivers are connected to their own app, so an app the caller makes knows only
    the people registered here."""
    _providers.clear()
    _drop_cache()


def _drop_cache() -> None:
    """Names are read again from the providers on the next check in this process."""
    with _lock:
        _cache.clear()


def known_people() -> KnownPeople:
    """The names the app's receivers of the hook and the registered providers give, cached per app
    for TTL_SECONDS."""
    try:
        from flask import current_app

        # The app itself, not the proxy, keys the cache. Flask declares current_app as Flask, though it is a
        # werkzeug LocalProxy (flask/globals.py assigns it under its own type: ignore).
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    except RuntimeError:  # no app context (a script, the benchmark): nobody is known
        return NOBODY
    if not _providers and not hooks.reading_known_people.has_receivers_for(app):
        return NOBODY
    now = time.monotonic()
    entry = _cache.get(app)
    if entry and now - entry[0] < TTL_SECONDS:
        return entry[1]
    people = NOBODY
    given_by_app = [given for _receiver, given in hooks.reading_known_people.send(app)]
    for given in given_by_app + [provider() for provider in list(_providers)]:
        people = people | (given if isinstance(given, KnownPeople) else KnownPeople.from_names(given))
    with _lock:
        _cache[app] = (now, people)
    return people


class _Lazy:
    """The members' names, read only when a word could be one (names.py asks through this): most
    texts need no look-up at all, which keeps pages that check many texts to a fixed number of queries."""

    def __init__(self, source: KnownPeople | Callable[[], KnownPeople]):
        self._source = source
        self._people = source if isinstance(source, KnownPeople) else None

    @property
    def _known(self) -> KnownPeople:
        if self._people is None:
            self._people = self._source() if callable(self._source) else self._source
        return self._people

    @property
    def first_names(self) -> frozenset[str]:
        return self._known.first_names

    @property
    def last_names(self) -> frozenset[str]:
        return self._known.last_names

    @property
    def not_people(self) -> frozenset[str]:
        return self._known.not_people

    def is_member_name(self, word: str) -> bool:
        return self._known.is_member_name(word)
