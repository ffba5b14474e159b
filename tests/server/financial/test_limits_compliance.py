"""Limits at creation, GetLimits, AML flags and the compliance report."""

from __future__ import annotations

import grpc
from google.protobuf import timestamp_pb2
from quantis.v1 import common_pb2, financial_service_pb2_grpc
from quantis.v1 import financial_service_pb2 as pb

from server.auth.permissions import Role
from server.composition import Application
from tests.server.auth_helpers import user_token
from tests.server.financial.conftest import bearer, create_request, failure

Stub = financial_service_pb2_grpc.FinancialServiceStub


async def test_the_daily_limit_fails_the_transaction_with_the_headroom(
    finance: Stub, application: Application
) -> None:
    token = bearer(await user_token(application, "lena", Role.ANALYST))
    await finance.CreateTransaction(create_request(30_000, nanos=10_000_000), metadata=token)
    over = create_request(20_000, key="over")
    refused = await failure(finance.CreateTransaction(over, metadata=token))
    assert (refused.code, refused.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "LIMIT_EXCEEDED")
    meta = refused.info.metadata
    assert (meta["window"], meta["currency_code"], meta["limit"], meta["used"], meta["remaining"]) == (
        "DAILY",
        "USD",
        "50000.00",
        "30000.01",
        "19999.99",
    )
    assert [(v.type, v.subject) for v in refused.preconditions] == [("DAILY_LIMIT", "amount")]
    failed_id = meta["transaction_id"]
    stored = await finance.GetTransaction(pb.GetTransactionRequest(transaction_id=failed_id), metadata=token)
    assert (
        stored.transaction.status == pb.TRANSACTION_STATUS_FAILED and stored.transaction.decision_note == ""
    )
    retried = await failure(finance.CreateTransaction(over, metadata=token))
    assert retried.reason == "LIMIT_EXCEEDED" and retried.info.metadata == meta
    fits = await finance.CreateTransaction(create_request(19_999, nanos=990_000_000), metadata=token)
    assert fits.transaction.status == pb.TRANSACTION_STATUS_COMPLETED

    limits = (await finance.GetLimits(pb.GetLimitsRequest(), metadata=token)).limits
    assert (limits.daily_used.units, limits.daily_remaining.units, limits.daily_remaining.nanos) == (
        50_000,
        0,
        0,
    )
    assert limits.monthly_remaining.units == 450_000 and limits.daily_reset_time.seconds % 86_400 == 0
    euro = (await finance.GetLimits(pb.GetLimitsRequest(currency_code="EUR"), metadata=token)).limits
    assert euro.daily_used.units == 0 and euro.daily_limit.units == 50_000
    bad = await failure(finance.GetLimits(pb.GetLimitsRequest(currency_code="EURO"), metadata=token))
    assert bad.fields == ["currency_code"]


async def test_a_reversal_frees_headroom_and_is_not_limited(finance: Stub, application: Application) -> None:
    token = bearer(await user_token(application, "max", Role.ANALYST))
    big = (await finance.CreateTransaction(create_request(49_000), metadata=token)).transaction
    reversal = create_request(
        49_000, kind=pb.TRANSACTION_TYPE_REVERSAL, reversal_of_transaction_id=big.transaction_id
    )
    await finance.CreateTransaction(reversal, metadata=token)
    again = await finance.CreateTransaction(create_request(45_000), metadata=token)
    assert again.transaction.status == pb.TRANSACTION_STATUS_COMPLETED


async def test_aml_flags_and_the_compliance_report(finance: Stub, application: Application) -> None:
    token = bearer(await user_token(application, "nina", Role.ANALYST))
    first = (await finance.CreateTransaction(create_request(9_500), metadata=token)).transaction
    second = (await finance.CreateTransaction(create_request(9_700), metadata=token)).transaction
    third = (await finance.CreateTransaction(create_request(9_900), metadata=token)).transaction
    kinds = {f.kind: f for f in third.aml_flags}
    assert pb.AML_FLAG_KIND_STRUCTURING in kinds and not first.aml_flags and not second.aml_flags
    assert list(kinds[pb.AML_FLAG_KIND_STRUCTURING].related_transaction_ids) == [
        first.transaction_id,
        second.transaction_id,
    ]
    kyc = (await finance.CreateTransaction(create_request(10_000), metadata=token)).transaction
    assert [f.kind for f in kyc.aml_flags] == [pb.AML_FLAG_KIND_KYC_REQUIRED]
    await finance.CreateTransaction(create_request(1_000), metadata=token)
    rounds = (await finance.CreateTransaction(create_request(2_000), metadata=token)).transaction
    assert pb.AML_FLAG_KIND_ROUND_AMOUNT in [f.kind for f in rounds.aml_flags]

    report = (await finance.CheckCompliance(pb.CheckComplianceRequest(), metadata=token)).report
    assert report.status == pb.COMPLIANCE_STATUS_REVIEW_REQUIRED
    assert report.transaction_count == 6 and report.pending_review_count == 0
    assert [f.kind for f in report.flags] == [
        pb.AML_FLAG_KIND_KYC_REQUIRED,
        pb.AML_FLAG_KIND_STRUCTURING,
        pb.AML_FLAG_KIND_ROUND_AMOUNT,
    ]
    assert list(report.flags[1].transaction_ids) == [third.transaction_id]
    assert [u.currency_code for u in report.limit_usage] == ["USD"]
    assert report.limit_usage[0].daily_used.units == 42_100

    clean = bearer(await user_token(application, "omar", Role.ANALYST))
    await finance.CreateTransaction(create_request(12), metadata=clean)
    assert (
        await finance.CheckCompliance(pb.CheckComplianceRequest(), metadata=clean)
    ).report.status == pb.COMPLIANCE_STATUS_COMPLIANT
    nosy = await failure(
        finance.CheckCompliance(pb.CheckComplianceRequest(user_id=report.user_id), metadata=clean)
    )
    assert nosy.code is grpc.StatusCode.PERMISSION_DENIED
    admin = bearer(await user_token(application, "root_c", Role.ADMIN))
    theirs = await finance.CheckCompliance(pb.CheckComplianceRequest(user_id=report.user_id), metadata=admin)
    assert theirs.report.transaction_count == 6


async def test_velocity_is_flagged_past_twenty_in_seven_days(finance: Stub, application: Application) -> None:
    token = bearer(await user_token(application, "pia", Role.ANALYST))
    for units in range(1, 21):
        created = await finance.CreateTransaction(create_request(units), metadata=token)
        assert pb.AML_FLAG_KIND_VELOCITY not in [f.kind for f in created.transaction.aml_flags]
    last = (await finance.CreateTransaction(create_request(21), metadata=token)).transaction
    velocity = [f for f in last.aml_flags if f.kind == pb.AML_FLAG_KIND_VELOCITY]
    assert len(velocity) == 1 and len(velocity[0].related_transaction_ids) == 20
    assert "velocity_30d" in [f.rule for f in last.risk_factors]


async def test_sanctions_make_the_report_non_compliant(finance: Stub, application: Application) -> None:
    token = bearer(await user_token(application, "quinn", Role.ANALYST))
    party = pb.Counterparty(name="Shadow Shipping Co.", country="KP")
    held = await finance.CreateTransaction(
        create_request(100, kind=pb.TRANSACTION_TYPE_TRANSFER, counterparty=party), metadata=token
    )
    kinds = [f.kind for f in held.transaction.aml_flags]
    assert kinds == [pb.AML_FLAG_KIND_SANCTIONS_HIT, pb.AML_FLAG_KIND_HIGH_RISK_COUNTRY]
    assert "country_risk" in [f.rule for f in held.transaction.risk_factors]
    report = (await finance.CheckCompliance(pb.CheckComplianceRequest(), metadata=token)).report
    assert report.status == pb.COMPLIANCE_STATUS_NON_COMPLIANT and report.pending_review_count == 1


async def test_a_check_ending_in_year_one_covers_what_there_is(
    finance: Stub, application: Application
) -> None:
    # The default 30 days before an end in the first hours of year 1 do not exist: cut short, not INTERNAL.
    token = bearer(await user_token(application, "yuri"))
    end = timestamp_pb2.Timestamp(seconds=-62135596800 + 3600)
    request = pb.CheckComplianceRequest(time_range=common_pb2.TimeRange(end_time=end))
    report = (await finance.CheckCompliance(request, metadata=token)).report
    assert report.user_id
