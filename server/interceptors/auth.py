"""Authentication and the permission each RPC's contract declares.

For every quantis.v1 RPC the interceptor looks up the method's rule (read from
the ``(quantis.v1.auth)`` option): a public RPC runs with no principal; any
other authenticates the call's credentials and requires the rule's permission.
The principal is then in ``principal_var`` for the rest of the call. Methods
without a rule (health checking, reflection) pass through untouched.

It runs inside error mapping and audit, so its refusals reach the client as
UNAUTHENTICATED / PERMISSION_DENIED with an ErrorInfo, and are audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from server.auth.authenticator import Authenticator
from server.auth.principal import Principal, principal_var
from server.contracts import MethodRule
from server.errors import PermissionDenied
from server.interceptors.wrapping import RuleGuard

if TYPE_CHECKING:
    from server.interceptors.wrapping import Context


def request_metadata(context: Context) -> dict[str, str]:
    """The call's text metadata by (lower-case) key; the first value wins, binary values are skipped."""
    found: dict[str, str] = {}
    for key, value in context.invocation_metadata() or ():
        if isinstance(value, str):
            found.setdefault(key.lower(), value)
    return found


class AuthInterceptor(RuleGuard):
    """Authenticates non-public RPCs with ``authenticator`` and enforces ``rules``' permissions."""

    def __init__(self, rules: Mapping[str, MethodRule], authenticator: Authenticator):
        super().__init__(rules)
        self._authenticator = authenticator

    async def check(self, rule: MethodRule, context: Context) -> None:
        """Set the call's principal, or raise Unauthenticated / PermissionDenied."""
        principal_var.set(None)
        if rule.public:
            return
        principal: Principal = await self._authenticator.authenticate(request_metadata(context))
        # Set before the permission check, so a refusal is audited with who was refused.
        principal_var.set(principal)
        if not principal.can(rule.permission):
            raise PermissionDenied(
                f"this call needs the {rule.permission} permission",
                reason="MISSING_PERMISSION",
                metadata={"permission": rule.permission},
            )
