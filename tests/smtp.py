"""A real SMTP server (aiosmtpd) that keeps what it receives, for tests."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Collector:
    def __init__(self, server: SMTPServer):
        self.server = server

    async def handle_RCPT(self, _server, _session, envelope, address, _options):
        if address.lower() in self.server.refused:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server, _session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.server.lock:
            self.server.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted"


class SMTPServer:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.refused: set[str] = set()
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()
        self.controller = Controller(_Collector(self), hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()

    def stop(self):
        self.controller.stop()

    def clear(self):
        with self.lock:
            self.messages.clear()
            self.refused.clear()

    def refuse(self, address: str) -> None:
        """Answer RCPT TO for ``address`` with a permanent 550."""
        self.refused.add(address.lower())

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for rcpts, m in self.messages if address.lower() in (r.lower() for r in rcpts)]

    def wait_for(self, address: str, count: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no email to {address} within {timeout}s; got {[r for r, _ in self.messages]}")


def text_part(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def first_link(message: EmailMessage, path_fragment: str) -> str:
    """The first link in the plain-text part whose path contains ``path_fragment``."""
    for url in re.findall(r"https?://\S+", text_part(message)):
        if path_fragment in url:
            return url.rstrip(".,)")
    raise AssertionError(f"no link containing {path_fragment!r} in:\n{text_part(message)}")


def link_path(message: EmailMessage, path_fragment: str) -> str:
    """The path of ``first_link``: what a test client should open."""
    from urllib.parse import urlsplit

    return urlsplit(first_link(message, path_fragment)).path
