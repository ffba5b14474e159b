"""Roles and the permissions each grants.

The permission an RPC needs is declared in the contract (the quantis.v1.auth
method option); this table says which roles hold which permissions.
"""

from __future__ import annotations

from server.db.enums import Role

__all__ = ["ALL_PERMISSIONS", "ROLE_PERMISSIONS", "Role"]


VIEWER_PERMISSIONS = frozenset(
    {
        "account:manage",
        "datasets:read",
        "models:read",
        "predictions:run",
        "predictions:read",
        "finance:read",
        "monitoring:read",
        "notifications:read",
    }
)

ANALYST_PERMISSIONS = VIEWER_PERMISSIONS | {
    "datasets:write",
    "models:write",
    "models:train",
    "models:deploy",
    "finance:write",
    "alerts:write",
}

ADMIN_PERMISSIONS = ANALYST_PERMISSIONS | {"finance:approve", "audit:read", "users:admin"}

ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.VIEWER: VIEWER_PERMISSIONS,
    Role.ANALYST: ANALYST_PERMISSIONS,
    Role.ADMIN: ADMIN_PERMISSIONS,
}

ALL_PERMISSIONS = ADMIN_PERMISSIONS
