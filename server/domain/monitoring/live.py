"""One user's live event stream: their notifications, training jobs, and alerts.

Events from several bus channels are merged into one stream. A heartbeat is sent
first, once the stream is subscribed, so a client knows from when it hears of what
happens (and lists what it missed before then without a gap), and again whenever
nothing else has been sent for ``heartbeat_seconds``, so proxies keep an idle stream
open and clients can tell a quiet stream from a dead one.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from server.auth.principal import Principal
from server.domain.monitoring.alerts import ALERTS_CHANNEL
from server.domain.monitoring.notifications import user_channel
from server.errors import Unauthenticated
from server.state.events import Event, EventBus

HEARTBEAT: Event = {"type": "heartbeat"}


class LiveEvents:
    """A caller's live events. With ``still_valid``, the caller's credential is checked again at
    each heartbeat: a stream whose token, session or API key was revoked (Logout, RevokeSession,
    a deactivation) ends UNAUTHENTICATED instead of delivering on."""

    def __init__(
        self,
        bus: EventBus,
        heartbeat_seconds: float,
        still_valid: Callable[[Principal], Awaitable[bool]] | None = None,
    ):
        self._bus = bus
        self.heartbeat_seconds = heartbeat_seconds
        self._still_valid = still_valid

    async def watch(self, principal: Principal, types: set[str]) -> AsyncIterator[Event]:
        """Events of the given ``types`` ("notification", "alert", "training_job") for this caller.

        Alerts concern the whole system, so only callers who may read monitoring get them.
        """
        channels = [user_channel(principal.user_id)]
        if "alert" in types and principal.can("monitoring:read"):
            channels.append(ALERTS_CHANNEL)
        merged: asyncio.Queue[Event] = asyncio.Queue(256)
        async with contextlib.AsyncExitStack() as stack:
            streams = [await stack.enter_async_context(self._bus.subscribe(channel)) for channel in channels]
            pumps = [asyncio.create_task(_pump(stream, merged)) for stream in streams]
            try:
                yield HEARTBEAT  # subscribed: from here on, nothing published is missed
                checked = time.monotonic()
                while True:
                    try:
                        event = await asyncio.wait_for(merged.get(), self.heartbeat_seconds)
                    except TimeoutError:
                        event = HEARTBEAT
                    if time.monotonic() - checked >= self.heartbeat_seconds:
                        await self._check(principal)
                        checked = time.monotonic()
                    if event is HEARTBEAT or event.get("type") in types:
                        yield event
            finally:
                for pump in pumps:
                    pump.cancel()
                await asyncio.gather(*pumps, return_exceptions=True)

    async def _check(self, principal: Principal) -> None:
        if self._still_valid is not None and not await self._still_valid(principal):
            raise Unauthenticated("the credential of this stream was revoked", reason="TOKEN_REVOKED")


async def _pump(stream: AsyncIterator[Event], into: asyncio.Queue[Event]) -> None:
    async for event in stream:
        if into.full():
            into.get_nowait()
        into.put_nowait(event)
