"""Attachments made when a message is sent, from the key stored on its outbox row."""

from __future__ import annotations

from collections.abc import Callable

# kind -> function(id) -> (filename, content type, bytes); parts register their own.
LOADERS: dict[str, Callable[[str], tuple[str, str, bytes]]] = {}


def load_attachment(key: str) -> tuple[str, str, bytes]:
    kind, _, ident = key.partition(":")
    if kind not in LOADERS:
        raise LookupError(f"no attachment loader for {kind!r}")
    return LOADERS[kind](ident)
