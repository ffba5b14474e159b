"""What servicers read from a call: the authenticated principal and the client."""

from __future__ import annotations

from typing import Any

import grpc

from server.auth.principal import Principal, principal_var
from server.domain.account_rules import ClientInfo
from server.errors import Unauthenticated


def principal() -> Principal:
    """The caller, as the auth interceptor established it for this call."""
    current = principal_var.get()
    if current is None:
        raise Unauthenticated("credentials required", reason="CREDENTIALS_MISSING")
    return current


def client_info(context: grpc.aio.ServicerContext[Any, Any]) -> ClientInfo:
    agent = next((str(v) for k, v in context.invocation_metadata() or () if k == "user-agent"), "")
    return ClientInfo(peer=context.peer() or "", user_agent=agent)
