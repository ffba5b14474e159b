"""Password policy and argon2id hashing."""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.cpus import unpinned
from server.errors import InvalidArgument

MIN_LENGTH, MAX_LENGTH = 12, 128
_CLASSES = {
    "an upper-case letter": re.compile(r"[A-Z]"),
    "a lower-case letter": re.compile(r"[a-z]"),
    "a digit": re.compile(r"[0-9]"),
    "a symbol": re.compile(r"[^A-Za-z0-9]"),
}


def check_policy(password: str, field: str = "password") -> None:
    """Raise InvalidArgument naming ``field`` unless the password meets the policy."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidArgument.field(field, f"must be {MIN_LENGTH} to {MAX_LENGTH} characters")
    missing = [name for name, pattern in _CLASSES.items() if not pattern.search(password)]
    if missing:
        raise InvalidArgument.field(field, "must contain " + ", ".join(missing))


@dataclass(frozen=True)
class HashCost:
    """argon2id's work per hash. The defaults are RFC 9106's second recommended option
    (3 passes over 64 MiB, 4 lanes): about 0.1 s of CPU per login on a current core."""

    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 4


class Passwords:
    """Hashes and checks passwords at one ``HashCost``. A stored hash made at another cost still
    verifies, and ``needs_rehash`` says to store it again at this one."""

    def __init__(self, cost: HashCost = HashCost()):
        self._hasher = PasswordHasher(
            time_cost=cost.time_cost, memory_cost=cost.memory_kib, parallelism=cost.parallelism
        )
        # Verifying against this keeps a login for an unknown username as slow as a real one.
        self._nobody = self._hasher.hash("not-a-real-password-Aa1!")

    # argon2 lets go of the interpreter lock while it hashes: on every CPU, not only the one the
    # serving process keeps its Python threads on (server.cpus).
    def hash(self, password: str) -> str:
        with unpinned():
            return self._hasher.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        try:
            with unpinned():
                return self._hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def verify_nobody(self, password: str) -> None:
        """The work of a verification, for a login that has no account to check against."""
        self.verify(self._nobody, password)

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)
