"""Which RPCs answer UNIMPLEMENTED: later work shrinks this list to nothing.

Every RPC of every quantis.v1 service is called over a real channel with an
empty request; an RPC that is implemented must not answer UNIMPLEMENTED, and
one that is not must answer exactly that.
"""

from __future__ import annotations

import grpc

from server import contracts
from server.composition import Application
from tests.server.auth_helpers import admin_token
from tests.server.security_helpers import call_rpc

# Remove an RPC from here in the change that implements it.
NOT_YET_IMPLEMENTED: set[str] = set()


async def test_exactly_the_listed_rpcs_are_unimplemented(
    channel: grpc.aio.Channel, application: Application
) -> None:
    """Called as an admin with empty requests: implemented RPCs reject them, never with INTERNAL."""
    token = await admin_token(application)
    metadata = (("authorization", f"Bearer {token}"),)
    # Logout ends the session the token belongs to, so it goes last.
    paths = sorted(contracts.method_rules(), key=lambda path: path.endswith("/Logout"))
    rules = contracts.method_rules()
    codes = {path: await call_rpc(channel, rules[path], metadata) for path in paths}
    unimplemented = {path.strip("/") for path, code in codes.items() if code is grpc.StatusCode.UNIMPLEMENTED}
    assert unimplemented == NOT_YET_IMPLEMENTED
    assert grpc.StatusCode.INTERNAL not in codes.values()
