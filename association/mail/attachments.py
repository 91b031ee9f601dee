"""Attachments made when a message is sent, from the key stored on its outbox row."""

from __future__ import annotations

from ..core import hooks


def load_attachment(key: str) -> tuple[str, str, bytes]:
    """(filename, content type, bytes) for ``kind:id``, from the part that owns the kind."""
    kind, _, ident = key.partition(":")
    for made in hooks.loading_attachment.send_in_app(kind=kind, ident=ident):
        if made is not None:
            return made
    raise LookupError(f"no attachment loader for {kind!r}")
