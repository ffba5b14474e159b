"""The access rule of every RPC, read from the contracts' descriptors.

Each RPC in quantis.v1 declares ``option (quantis.v1.auth) = {...}``; this module
turns those options into a table the interceptors consult, and refuses to build
the table when an RPC has no rule, so the server cannot start with an RPC whose
access nobody decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any, cast

from google.protobuf.descriptor import FileDescriptor, ServiceDescriptor
from quantis.v1 import (
    auth_service_pb2,
    common_pb2,
    dataset_service_pb2,
    financial_service_pb2,
    model_service_pb2,
    monitoring_service_pb2,
    prediction_service_pb2,
)

SERVICE_MODULES: tuple[ModuleType, ...] = (
    auth_service_pb2,
    dataset_service_pb2,
    model_service_pb2,
    prediction_service_pb2,
    financial_service_pb2,
    monitoring_service_pb2,
)


# The generated stub types the extension as a plain FieldDescriptor.
AUTH_OPTION = cast(Any, common_pb2.auth)


class MissingAuthRule(RuntimeError):
    """An RPC in the contracts has no (quantis.v1.auth) option."""


@dataclass(frozen=True)
class MethodRule:
    """What it takes to call one RPC, as the contract declares it."""

    path: str  # "/quantis.v1.AuthService/Login", as grpc names the method
    public: bool
    permission: str
    audit: bool
    rate_class: str  # "default", "auth" or "prediction"
    client_streaming: bool
    server_streaming: bool


def services() -> list[ServiceDescriptor]:
    found: list[ServiceDescriptor] = []
    for module in SERVICE_MODULES:
        file: FileDescriptor = module.DESCRIPTOR
        found.extend(file.services_by_name.values())
    return found


def _rate_class(value: int) -> str:
    name = common_pb2.RateClass.Name(value)
    return (
        "default" if value == common_pb2.RATE_CLASS_UNSPECIFIED else name.removeprefix("RATE_CLASS_").lower()
    )


def method_rules() -> dict[str, MethodRule]:
    """Every RPC's rule keyed by its path; raises MissingAuthRule if one is undeclared."""
    rules: dict[str, MethodRule] = {}
    missing: list[str] = []
    for service in services():
        for method in service.methods:
            path = f"/{service.full_name}/{method.name}"
            options = method.GetOptions()
            if not options.HasExtension(AUTH_OPTION):
                missing.append(path)
                continue
            rule: common_pb2.AuthRule = options.Extensions[AUTH_OPTION]
            if not rule.public and not rule.permission:
                missing.append(path)
                continue
            rules[path] = MethodRule(
                path=path,
                public=rule.public,
                permission=rule.permission,
                audit=rule.audit,
                rate_class=_rate_class(rule.rate_class),
                client_streaming=method.client_streaming,
                server_streaming=method.server_streaming,
            )
    if missing:
        raise MissingAuthRule("RPCs without a (quantis.v1.auth) rule: " + ", ".join(missing))
    return rules
