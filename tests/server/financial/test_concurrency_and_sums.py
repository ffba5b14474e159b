"""Concurrent idempotent retries on PostgreSQL, and exact sums over 100,000 transactions."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import grpc
import pytest
import sqlalchemy as sa
from google.protobuf import timestamp_pb2
from quantis.v1 import common_pb2, financial_service_pb2_grpc
from quantis.v1 import financial_service_pb2 as pb

from server.auth.permissions import Role
from server.composition import Application
from server.db.base import new_id
from server.db.bulk import RowGroup, insert_groups
from server.db.enums import RiskLevel, TransactionStatus, TransactionType
from server.db.models import Transaction, User
from server.domain.finance.money import minor_units
from tests.server.auth_helpers import user_token
from tests.server.financial.conftest import bearer, create_request

Stub = financial_service_pb2_grpc.FinancialServiceStub
ROWS = 100_000
CURRENCIES = ("USD", "JPY", "KWD", "EUR")


async def test_concurrent_retries_create_one_transaction(finance: Stub, application: Application) -> None:
    """On both backings; on PostgreSQL the calls race in separate sessions and connections."""
    token = bearer(await user_token(application, "rita", Role.ANALYST))
    request = create_request(
        250, key="retry-me", kind=pb.TRANSACTION_TYPE_PAYMENT, counterparty=pb.Counterparty(name="Acme")
    )
    results = await asyncio.gather(*(finance.CreateTransaction(request, metadata=token) for _ in range(20)))
    assert len({r.transaction.transaction_id for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    count = await application.db.run(
        lambda s: s.scalar(
            sa.select(sa.func.count())
            .select_from(Transaction)
            .where(Transaction.idempotency_key == "retry-me")
        )
    )
    assert count == 1
    # A conflicting body racing with the same key never creates a second row either.
    other = create_request(251, key="retry-me")
    outcomes = await asyncio.gather(
        *(finance.CreateTransaction(other, metadata=token) for _ in range(5)), return_exceptions=True
    )
    assert all(
        isinstance(o, grpc.aio.AioRpcError) and o.code() is grpc.StatusCode.ALREADY_EXISTS for o in outcomes
    )


@pytest.mark.slow
async def test_summary_totals_over_100k_transactions_are_exact(
    finance: Stub, application: Application
) -> None:
    token = bearer(await user_token(application, "root_sum", Role.ADMIN))
    rng = random.Random(20261123)
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def make_users(session: sa.orm.Session) -> list[str]:
        ids = []
        for index in range(5):
            user = User(username=f"bulk_{index}", email=f"bulk_{index}@example.com", password_hash="x")
            session.add(user)
            ids.append(user.id)
        return ids

    owners = await application.db.run(make_users)
    expected: dict[tuple[datetime, str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    totals: dict[str, Decimal] = defaultdict(Decimal)
    columns: dict[str, list[object]] = defaultdict(list)
    types, statuses = list(TransactionType)[:6], list(TransactionStatus)[:2]
    for index in range(ROWS):
        currency = rng.choice(CURRENCIES)
        minor = rng.randint(1, 10**9)
        created = start + timedelta(seconds=rng.randint(0, 89 * 86_400))
        kind, status = rng.choice(types), rng.choice(statuses)
        row = {
            "id": new_id(),
            "owner_id": rng.choice(owners),
            "idempotency_key": f"bulk-{index}",
            "amount_minor": minor,
            "currency": currency,
            "type": kind,
            "status": status,
            "created_at": created,
            "updated_at": created,
        }
        for name, value in row.items():
            columns[name].append(value)
        month = created.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        bucket = expected[(month, kind.name, currency, status.name)]
        bucket[0] += 1
        bucket[1] += minor
        totals[currency] += Decimal(minor).scaleb(-minor_units(currency))
    shared = {
        "request_fingerprint": "0" * 64,
        "description": "",
        "counterparty_name": "",
        "counterparty_account": "",
        "counterparty_country": "",
        "risk_score": 0,
        "risk_level": RiskLevel.LOW,
        "risk_factors": [],
        "aml_flags": [],
        "metadata": {},
        "reversal_of_id": None,
        "decided_by": None,
        "decision_note": "",
        "decided_at": None,
    }

    def insert(session: sa.orm.Session) -> None:
        # The rows go in as the server stores its own bulk rows (one COPY on PostgreSQL): the
        # summary is under test here, and an ORM executemany of 100,000 rows took most of the time.
        insert_groups(session.connection(), Transaction.__table__, [RowGroup(shared, columns)])

    await application.db.run(insert)
    window = common_pb2.TimeRange(
        start_time=timestamp_pb2.Timestamp(seconds=int(start.timestamp())),
        end_time=timestamp_pb2.Timestamp(seconds=int((start + timedelta(days=90)).timestamp())),
    )
    summary = await finance.GetTransactionSummary(
        pb.GetTransactionSummaryRequest(period=pb.SUMMARY_PERIOD_MONTH, time_range=window), metadata=token
    )
    got: dict[tuple[datetime, str, str, str], list[int]] = {}
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for b in summary.buckets:
        key = (
            b.period_start.ToDatetime(tzinfo=UTC),
            pb.TransactionType.Name(b.type).removeprefix("TRANSACTION_TYPE_"),
            b.currency_code,
            pb.TransactionStatus.Name(b.status).removeprefix("TRANSACTION_STATUS_"),
        )
        amount = Decimal(b.total.units) + Decimal(b.total.nanos).scaleb(-9)
        got[key] = [b.count, int(amount.scaleb(minor_units(b.currency_code)))]
        sums[b.currency_code] += amount
    assert got == dict(expected)
    assert sums == totals
    assert sum(b.count for b in summary.buckets) == ROWS
    keys = [(b.period_start.seconds, b.type, b.currency_code, b.status) for b in summary.buckets]
    assert keys == sorted(keys)
    daily = await finance.GetTransactionSummary(
        pb.GetTransactionSummaryRequest(
            period=pb.SUMMARY_PERIOD_WEEK, time_range=window, currency_code="KWD"
        ),
        metadata=token,
    )
    assert (
        sum(Decimal(b.total.units) + Decimal(b.total.nanos).scaleb(-9) for b in daily.buckets)
        == totals["KWD"]
    )
    assert all(b.period_start.ToDatetime().weekday() == 0 for b in daily.buckets)
