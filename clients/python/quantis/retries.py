"""Which RPCs may be retried, and the gRPC service config that retries them.

Retries are left to gRPC itself (a ``retryPolicy`` in the channel's service
config) so that backoff, jitter and the retry budget follow the gRPC spec and
apply to server streams until their first message. Only calls that are safe to
send twice are retried: reads (Get*, List*, Preview*, Download*, Watch*), the
pure calculators (Calculate*, Check*), and the writes whose contracts say a
repeat has no further effect (UploadChunk within committed bytes,
CompleteUpload on a completed session, SubmitActuals). The list is computed
from the contracts' descriptors, so a new read RPC is covered without an edit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from quantis import contracts

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
    """Retries of idempotent calls on UNAVAILABLE, with exponential backoff (seconds)."""

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
