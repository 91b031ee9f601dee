"""Password hashing (argon2) and the rules a new password must meet."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

_hasher = PasswordHasher()
# A real hash, verified against when the account does not exist, so a wrong email takes as long
# as a wrong password and timing does not tell whether an email is registered.
_DUMMY_HASH = _hasher.hash("not-a-real-password-used-for-timing")
MAX_LENGTH = 200


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why ``password`` would not do, in plain words; None when it is fine.

    Beside a minimum length, zxcvbn checks it against its list of ~30,000 common passwords,
    words, names and keyboard patterns, and against the person's own name and email.
    """
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return f"Use at least {minimum} characters. A few words strung together work well."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if _mostly_own_words(password, email, name):
        return "Please don't build your password from your name or email address."
    from zxcvbn import zxcvbn  # imported here: loading its word lists takes a moment

    own_words = [w for w in [email, email.partition("@")[0], *name.split()] if w]
    result = zxcvbn(password, user_inputs=own_words)
    sequence = result.get("sequence", [])
    if len(sequence) == 1 and sequence[0].get("dictionary_name") == "passwords":
        return "That is one of the most common passwords, so it is easy to guess. Please choose another."
    if any(match.get("dictionary_name") == "user_inputs" for match in sequence) and result["score"] < 3:
        return "Please don't build your password from your name or email address."
    if result["score"] < 3:
        return "That password would be easy to guess. Try three or four unrelated words."
    return None


def _mostly_own_words(password: str, email: str, name: str) -> bool:
    """True when, without the person's own name and email words, under 6 letters are left."""
    original = re.sub(r"[^a-z]", "", password.lower())
    letters = original
    own = re.split(r"[^a-z]+", f"{name} {email.partition('@')[0]}".lower())
    for word in sorted({w for w in own if len(w) >= 2}, key=len, reverse=True):
        letters = letters.replace(word, "")
    return letters != original and len(letters) < 6
