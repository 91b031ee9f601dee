"""The rules a new password must meet, and hashing."""

from __future__ import annotations

import pytest

from association.members.passwords import hash_password, password_problem, verify_password


@pytest.mark.parametrize(
    "password, expected",
    [
        ("short", "at least 10 characters"),
        ("x" * 201, "at most 200"),
        ("password123", "most common passwords"),
        ("qwertyuiop", "most common passwords"),
        ("jocarer2026", "your name or email"),
        ("Fletcher-Jo-99", "your name or email"),
        ("aaaaaaaaaaaa", "easy to guess"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(app, password, expected):
    with app.app_context():
        assert expected in password_problem(password, email="jo.fletcher@example.org", name="Jo Fletcher")


@pytest.mark.parametrize("password", ["kettle-lantern-orchard", "demo-pass-2026", "2026-09-13-88!!x"])
def test_good_passwords_pass(app, password):
    with app.app_context():
        assert password_problem(password, email="jo.fletcher@example.org", name="Jo Fletcher") is None


def test_hashes_are_argon2_and_verify():
    stored = hash_password("kettle-lantern-orchard")
    assert stored.startswith("$argon2")
    assert verify_password(stored, "kettle-lantern-orchard")
    assert not verify_password(stored, "kettle-lantern-orchar")
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")
