"""Which RPCs may be retried, and the gRPC service config that retries them; and the retry of
any unary call that lost a conflict between database transactions.

Retries are left to gRPC itself (a ``retryPolicy`` in the channel's service
config) so that backoff, jitter and the retry budget follow the gRPC spec and
apply to server streams until their first message. Only calls that are safe to
send twice are retried: reads (Get*, List*, Preview*, Download*, Watch*), the
pure calculators (Calculate*, Check*), and the writes whose contracts say a
repeat has no further effect (UploadChunk within committed bytes,
CompleteUpload on a completed session, SubmitActuals). The list is computed
from the contracts' descriptors, so a new read RPC is covered without an edit.

A call refused with ABORTED, reason ``TRANSACTION_CONFLICT``, lost a conflict with a concurrent
one in the server's database (a deadlock, a serialization failure): the server stored nothing,
so any unary call, a write too, is sent again (``conflict_pause``), within its deadline. gRPC's
retry policy cannot tell that reason from other ABORTED calls, so the channel's interceptor
(``quantis.call_policy``, ``quantis.aio_call_policy``) does it.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass

from quantis import contracts, errors

TRANSACTION_CONFLICT = "TRANSACTION_CONFLICT"

_READ_PREFIXES = ("Get", "List", "Preview", "Download", "Watch", "Calculate", "Check")
_REPEATABLE_WRITES = frozenset({"UploadChunk", "CompleteUpload", "SubmitActuals"})


def is_idempotent(method: str) -> bool:
    """Whether the RPC named ``method`` (bare name, e.g. ``GetDataset``) is safe to send twice."""
    return method.startswith(_READ_PREFIXES) or method in _REPEATABLE_WRITES


def idempotent_methods() -> list[tuple[str, str]]:
    """(full service name, method name) of every retryable quantis.v1 RPC."""
    return [(m.containing_service.full_name, m.name) for m in contracts.methods() if is_idempotent(m.name)]


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of idempotent calls on UNAVAILABLE, and of any unary call on a transaction
    conflict, with exponential backoff (seconds)."""

    max_attempts: int = 5
    initial_backoff: float = 0.1
    max_backoff: float = 5.0
    backoff_multiplier: float = 2.0


def service_config(policy: RetryPolicy | None) -> str:
    """The JSON for the ``grpc.service_config`` channel option; no retries when ``policy`` is None."""
    if policy is None:
        return json.dumps({"methodConfig": []})
    names = [{"service": service, "method": method} for service, method in idempotent_methods()]
    retry = {
        "maxAttempts": policy.max_attempts,
        "initialBackoff": f"{policy.initial_backoff}s",
        "maxBackoff": f"{policy.max_backoff}s",
        "backoffMultiplier": policy.backoff_multiplier,
        "retryableStatusCodes": ["UNAVAILABLE"],
    }
    return json.dumps({"methodConfig": [{"name": names, "retryPolicy": retry}]})


def conflict_pause(
    error: errors.QuantisError, attempt: int, policy: RetryPolicy | None, deadline: float | None
) -> float | None:
    """Seconds to wait before sending again a unary call whose attempt ``attempt`` (from 1) failed
    with ``error``, or None when it is not sent again: not a transaction conflict, retries off,
    the attempts spent, or too little of the call's deadline (``time.monotonic()``) left."""
    if policy is None or attempt >= policy.max_attempts:
        return None
    if not isinstance(error, errors.Aborted) or error.reason != TRANSACTION_CONFLICT:
        return None
    ceiling = min(policy.initial_backoff * policy.backoff_multiplier ** (attempt - 1), policy.max_backoff)
    pause = random.uniform(0, ceiling)  # full jitter: the calls that conflicted spread apart
    if deadline is not None and time.monotonic() + pause >= deadline:
        return None
    return pause
