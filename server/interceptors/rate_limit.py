"""Token-bucket rate limits per caller and per method class.

Each RPC counts against the bucket of its rate class (``auth``, ``prediction``
or ``default``, from the contract) and its caller: the API key when the call
used one, otherwise the user, and for anonymous (public) calls the client's
address (see server.interceptors.peers; behind a proxy, pass its networks as
``trusted_proxies``). A refused call gets RESOURCE_EXHAUSTED with the delay in
RetryInfo.

It runs after authentication, so the principal is known. If the limiter itself
fails (Redis unreachable) the call goes ahead and the failure is logged:
limits protect capacity, and an outage of Redis should not become one of the
whole API.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from server.auth.principal import principal_var
from server.contracts import MethodRule
from server.errors import ResourceExhausted
from server.interceptors.peers import Network, PeerResolver, rate_key
from server.interceptors.wrapping import RuleGuard
from server.state.rate_limit import Limit, RateLimiter

if TYPE_CHECKING:
    from server.interceptors.wrapping import Context

log = logging.getLogger("server.rate_limit")


def caller_key(context: Context, peers: PeerResolver) -> str:
    """Whose bucket a call counts against: ``key:<id>``, ``user:<id>`` or ``peer:<address>``."""
    principal = principal_var.get()
    if principal is None:
        return "peer:" + rate_key(peers.client_host(context))
    if principal.api_key_id:
        return "key:" + principal.api_key_id
    return "user:" + principal.user_id


class RateLimitInterceptor(RuleGuard):
    """Takes one token per call from the bucket of (rate class, caller).

    ``limits`` maps each rate class in ``rules`` ("default", "auth",
    "prediction") to its Limit; a class without one is refused here, at start-up.
    ``trusted_proxies`` are the networks whose x-forwarded-for names the client.
    """

    def __init__(
        self,
        rules: Mapping[str, MethodRule],
        limiter: RateLimiter,
        limits: Mapping[str, Limit],
        *,
        trusted_proxies: Iterable[Network | str] = (),
    ):
        missing = sorted({rule.rate_class for rule in rules.values()} - set(limits))
        if missing:
            raise ValueError("no rate limit for rate class(es): " + ", ".join(missing))
        super().__init__(rules)
        self._limiter = limiter
        self._limits = dict(limits)
        self._peers = PeerResolver(trusted_proxies)

    async def check(self, rule: MethodRule, context: Context) -> None:
        key = f"{rule.rate_class}:{caller_key(context, self._peers)}"
        try:
            wait = await self._limiter.acquire(key, self._limits[rule.rate_class])
        except Exception:
            log.exception("rate limiter failed; letting the call through", extra={"method": rule.path})
            return
        if wait is not None:
            raise ResourceExhausted(
                f"too many {rule.rate_class} requests; retry in {math.ceil(wait * 1000) / 1000:g} s",
                retry_after_seconds=wait,
                reason="RATE_LIMITED",
                metadata={"rate_class": rule.rate_class},
            )
