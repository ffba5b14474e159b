"""The audit record says who and what as the contract has it: Login's user, a creation's new id,
and a failure's ErrorInfo reason (a request field named ``reason`` kept apart from it)."""

from __future__ import annotations

import uuid

import grpc
from google.type import money_pb2
from quantis.v1 import auth_service_pb2 as auth_pb
from quantis.v1 import (
    auth_service_pb2_grpc,
    common_pb2,
    financial_service_pb2_grpc,
    monitoring_service_pb2_grpc,
)
from quantis.v1 import financial_service_pb2 as finance_pb
from quantis.v1 import monitoring_service_pb2 as monitoring_pb

from server.auth.permissions import Role
from server.composition import Application
from tests.server.auth_helpers import PASSWORD, admin_token, user_token
from tests.server.financial.conftest import failure

AUTH = "/quantis.v1.AuthService/"
FINANCE = "/quantis.v1.FinancialService/"


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


async def entries(
    channel: grpc.aio.Channel, application: Application, action: str
) -> list[monitoring_pb.AuditLog]:
    """The audit entries of ``action``, oldest first, as an admin lists them."""
    monitoring = monitoring_service_pb2_grpc.MonitoringServiceStub(channel)  # type: ignore[no-untyped-call]
    listed = await monitoring.ListAuditLogs(
        monitoring_pb.ListAuditLogsRequest(action=action, sort_order=common_pb2.SORT_ORDER_ASCENDING),
        metadata=bearer(await admin_token(application, f"auditor_{uuid.uuid4().hex[:8]}")),
    )
    return list(listed.audit_logs)


async def test_a_login_is_recorded_with_the_username_tried_and_on_success_the_users_id(
    channel: grpc.aio.Channel, application: Application
) -> None:
    auth = auth_service_pb2_grpc.AuthServiceStub(channel)  # type: ignore[no-untyped-call]
    registered = await auth.Register(
        auth_pb.RegisterRequest(username="Alice_A", email="alice@example.com", password=PASSWORD)
    )
    refused = await failure(auth.Login(auth_pb.LoginRequest(username="ghost_user", password=PASSWORD)))
    await auth.Login(auth_pb.LoginRequest(username="alice_a", password=PASSWORD))

    failed, succeeded = await entries(channel, application, AUTH + "Login")
    assert (failed.username, failed.user_id, failed.outcome) == (
        "ghost_user",
        "",
        monitoring_pb.AUDIT_OUTCOME_DENIED,
    )
    assert failed.details["reason"] == refused.info.reason == "INVALID_CREDENTIALS"
    assert (succeeded.username, succeeded.user_id, succeeded.outcome) == (
        "Alice_A",
        registered.user.user_id,
        monitoring_pb.AUDIT_OUTCOME_SUCCESS,
    )
    assert "reason" not in succeeded.details


async def test_a_creation_is_recorded_with_the_new_resources_id(
    channel: grpc.aio.Channel, application: Application
) -> None:
    auth = auth_service_pb2_grpc.AuthServiceStub(channel)  # type: ignore[no-untyped-call]
    registered = await auth.Register(
        auth_pb.RegisterRequest(username="bob_b", email="bob@example.com", password=PASSWORD)
    )
    finance = financial_service_pb2_grpc.FinancialServiceStub(channel)  # type: ignore[no-untyped-call]
    created = await finance.CreateTransaction(
        finance_pb.CreateTransactionRequest(
            idempotency_key=uuid.uuid4().hex,
            amount=money_pb2.Money(currency_code="USD", units=12, nanos=340_000_000),
            type=finance_pb.TRANSACTION_TYPE_DEPOSIT,
        ),
        metadata=bearer(await user_token(application, "carol_c", Role.ANALYST)),
    )

    (register,) = await entries(channel, application, AUTH + "Register")
    assert (register.resource_type, register.resource_id) == ("user", registered.user.user_id)
    (create,) = await entries(channel, application, FINANCE + "CreateTransaction")
    assert (create.resource_type, create.resource_id) == ("transaction", created.transaction.transaction_id)


async def test_a_failure_records_its_reason_apart_from_a_request_field_named_reason(
    channel: grpc.aio.Channel, application: Application
) -> None:
    finance = financial_service_pb2_grpc.FinancialServiceStub(channel)  # type: ignore[no-untyped-call]
    refused = await failure(
        finance.RejectTransaction(
            finance_pb.RejectTransactionRequest(transaction_id="t-404", reason="looks like a duplicate"),
            metadata=bearer(await admin_token(application)),
        )
    )
    assert refused.code is grpc.StatusCode.NOT_FOUND

    (reject,) = await entries(channel, application, FINANCE + "RejectTransaction")
    assert (reject.resource_type, reject.resource_id) == ("transaction", "t-404")
    assert reject.details["reason"] == refused.info.reason != ""
    assert reject.details["request_reason"] == "looks like a duplicate"
