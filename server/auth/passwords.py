"""Password policy and argon2id hashing."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.errors import InvalidArgument

MIN_LENGTH, MAX_LENGTH = 12, 128
_CLASSES = {
    "an upper-case letter": re.compile(r"[A-Z]"),
    "a lower-case letter": re.compile(r"[a-z]"),
    "a digit": re.compile(r"[0-9]"),
    "a symbol": re.compile(r"[^A-Za-z0-9]"),
}

_hasher = PasswordHasher()


def check_policy(password: str, field: str = "password") -> None:
    """Raise InvalidArgument naming ``field`` unless the password meets the policy."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidArgument.field(field, f"must be {MIN_LENGTH} to {MAX_LENGTH} characters")
    missing = [name for name, pattern in _CLASSES.items() if not pattern.search(password)]
    if missing:
        raise InvalidArgument.field(field, "must contain " + ", ".join(missing))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


# Verifying against this keeps a login for an unknown username as slow as a real one.
DUMMY_HASH = _hasher.hash("not-a-real-password-Aa1!")
