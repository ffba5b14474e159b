"""FinancialService: the ledger, approvals, compliance and the calculators."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import grpc
from quantis.v1 import financial_service_pb2 as pb
from quantis.v1 import financial_service_pb2_grpc

from server.db.enums import RiskLevel, TransactionStatus, TransactionType
from server.domain.finance import calculators, loans
from server.domain.finance.cashflows import NpvConvention
from server.domain.finance.compliance import ComplianceService
from server.domain.finance.ledger import Ledger
from server.domain.finance.listing import TransactionLister, TransactionQuery
from server.domain.finance.loans import InterestMethod
from server.domain.finance.requests import NewTransaction
from server.domain.finance.risk import Counterparty
from server.domain.finance.summary import Period, SummaryService
from server.errors import InvalidArgument
from server.mappers import financial as mappers
from server.mappers import financial_calculators as calc_mappers
from server.mappers.common import ascending
from server.servicers.context import principal

Context = grpc.aio.ServicerContext[Any, Any]
DAYS_PER_YEAR = 365


class FinancialServicer(financial_service_pb2_grpc.FinancialServiceServicer):
    """quantis.v1.FinancialService."""

    def __init__(
        self,
        ledger: Ledger,
        lister: TransactionLister,
        summaries: SummaryService,
        compliance: ComplianceService,
    ):
        self._ledger = ledger
        self._lister = lister
        self._summaries = summaries
        self._compliance = compliance

    async def CreateTransaction(
        self, request: pb.CreateTransactionRequest, context: Context
    ) -> pb.CreateTransactionResponse:
        if not request.HasField("amount"):
            raise InvalidArgument.field("amount", "is required")
        party = request.counterparty
        new = NewTransaction(
            idempotency_key=request.idempotency_key,
            amount=mappers.money_from_proto(request.amount, "amount", allow_zero=False, allow_negative=False),
            type=mappers.enum_from_proto(TransactionType, request.type, "type", required=False),
            description=request.description,
            counterparty=Counterparty(party.name, party.account_reference, party.country),
            reversal_of=request.reversal_of_transaction_id,
            metadata=dict(request.metadata),
        )
        created = await self._ledger.create(principal(), new)
        return pb.CreateTransactionResponse(
            transaction=mappers.transaction_to_proto(created.transaction), replayed=created.replayed
        )

    async def GetTransaction(
        self, request: pb.GetTransactionRequest, context: Context
    ) -> pb.GetTransactionResponse:
        found = await self._ledger.get(principal(), request.transaction_id)
        return pb.GetTransactionResponse(transaction=mappers.transaction_to_proto(found))

    async def ListTransactions(
        self, request: pb.ListTransactionsRequest, context: Context
    ) -> pb.ListTransactionsResponse:
        start, end = mappers.time_range(request.time_range, request.HasField("time_range"))
        query = TransactionQuery(
            statuses=mappers.enums_from_proto(TransactionStatus, request.statuses, "statuses"),
            types=mappers.enums_from_proto(TransactionType, request.types, "types"),
            risk_levels=mappers.enums_from_proto(RiskLevel, request.risk_levels, "risk_levels"),
            currency=request.currency_code,
            start=start,
            end=end,
            min_amount=mappers.money_from_proto(request.min_amount, "min_amount")
            if request.HasField("min_amount")
            else None,
            max_amount=mappers.money_from_proto(request.max_amount, "max_amount")
            if request.HasField("max_amount")
            else None,
            owner_id=request.owner_id,
            ascending=ascending(request.order),
            filter=request.filter,
            page_size=request.page_size,
            page_token=request.page_token,
        )
        found, token, total = await self._lister.list(principal(), query)
        return pb.ListTransactionsResponse(
            transactions=[mappers.transaction_to_proto(t) for t in found],
            next_page_token=token,
            total_size=total,
        )

    async def ApproveTransaction(
        self, request: pb.ApproveTransactionRequest, context: Context
    ) -> pb.ApproveTransactionResponse:
        decided = await self._ledger.decide(principal(), request.transaction_id, True, request.note)
        return pb.ApproveTransactionResponse(transaction=mappers.transaction_to_proto(decided))

    async def RejectTransaction(
        self, request: pb.RejectTransactionRequest, context: Context
    ) -> pb.RejectTransactionResponse:
        decided = await self._ledger.decide(principal(), request.transaction_id, False, request.reason)
        return pb.RejectTransactionResponse(transaction=mappers.transaction_to_proto(decided))

    async def GetTransactionSummary(
        self, request: pb.GetTransactionSummaryRequest, context: Context
    ) -> pb.GetTransactionSummaryResponse:
        start, end = mappers.time_range(request.time_range, request.HasField("time_range"))
        period = mappers.enum_from_proto(Period, request.period, "period", required=False)
        summary = await self._summaries.summarize(
            principal(), period, start, end, request.currency_code, request.owner_id
        )
        return pb.GetTransactionSummaryResponse(
            buckets=[mappers.bucket_to_proto(b) for b in summary.buckets],
            time_range=mappers.time_range_to_proto(summary.start, summary.end),
        )

    async def CalculateNpv(
        self, request: pb.CalculateNpvRequest, context: Context
    ) -> pb.CalculateNpvResponse:
        rate = calc_mappers.decimal_from_proto(request.rate, "rate")
        flows = [mappers.money_from_proto(m, f"cash_flows[{i}]") for i, m in enumerate(request.cash_flows)]
        convention = mappers.enum_from_proto(NpvConvention, request.convention, "convention", required=False)
        dates = calc_mappers.dates_from_proto(request.dates, "dates")
        result = await asyncio.to_thread(calculators.net_present_value, rate, flows, convention, dates)
        return pb.CalculateNpvResponse(
            npv=mappers.money_to_proto(result.npv),
            convention=mappers.enum_to_proto(result.convention),  # type: ignore[arg-type]
            unrounded_npv=calc_mappers.decimal_to_proto(result.unrounded),
        )

    async def CalculateIrr(
        self, request: pb.CalculateIrrRequest, context: Context
    ) -> pb.CalculateIrrResponse:
        flows = [mappers.money_from_proto(m, f"cash_flows[{i}]") for i, m in enumerate(request.cash_flows)]
        values = [calc_mappers.decimal_from_proto(v, f"values[{i}]") for i, v in enumerate(request.values)]
        result = await asyncio.to_thread(
            calculators.internal_rate,
            flows,
            values,
            calc_mappers.dates_from_proto(request.dates, "dates"),
            calc_mappers.optional_decimal(
                request.lower_bound, request.HasField("lower_bound"), "lower_bound"
            ),
            calc_mappers.optional_decimal(
                request.upper_bound, request.HasField("upper_bound"), "upper_bound"
            ),
            calc_mappers.optional_decimal(request.guess, request.HasField("guess"), "guess"),
        )
        return calc_mappers.irr_to_proto(result)

    async def CalculateInterest(
        self, request: pb.CalculateInterestRequest, context: Context
    ) -> pb.CalculateInterestResponse:
        if not request.HasField("principal"):
            raise InvalidArgument.field("principal", "is required")
        principal_amount = mappers.money_from_proto(request.principal, "principal", allow_negative=False)
        rate = calc_mappers.decimal_from_proto(request.annual_rate, "annual_rate")
        method = mappers.enum_from_proto(InterestMethod, request.method, "method")
        term = request.WhichOneof("term")
        if term is None:
            raise InvalidArgument.field("term", "give term_years or term_days")
        if term == "term_days":
            if request.term_days < 0:
                raise InvalidArgument.field("term_days", "must be zero or positive")
            years = Decimal(request.term_days) / DAYS_PER_YEAR
        else:
            years = calc_mappers.decimal_from_proto(request.term_years, "term_years")
        assert method is not None
        result = await asyncio.to_thread(
            loans.interest,
            principal_amount,
            rate,
            method,
            years,
            (request.periods_per_year or 1) if method is InterestMethod.COMPOUND else 1,
            term,
        )
        return calc_mappers.interest_to_proto(result)

    async def CalculateAmortization(
        self, request: pb.CalculateAmortizationRequest, context: Context
    ) -> pb.CalculateAmortizationResponse:
        if not request.HasField("principal"):
            raise InvalidArgument.field("principal", "is required")
        result = await asyncio.to_thread(
            loans.amortization,
            mappers.money_from_proto(request.principal, "principal"),
            calc_mappers.decimal_from_proto(request.annual_rate, "annual_rate"),
            request.number_of_payments,
            request.payments_per_year or 12,
        )
        return calc_mappers.amortization_to_proto(result)

    async def CheckCompliance(
        self, request: pb.CheckComplianceRequest, context: Context
    ) -> pb.CheckComplianceResponse:
        start, end = mappers.time_range(request.time_range, request.HasField("time_range"))
        report = await self._compliance.check(principal(), request.user_id, start, end)
        return pb.CheckComplianceResponse(report=mappers.report_to_proto(report))

    async def GetLimits(self, request: pb.GetLimitsRequest, context: Context) -> pb.GetLimitsResponse:
        used = await self._compliance.limits(principal(), request.currency_code)
        return pb.GetLimitsResponse(limits=mappers.limit_usage_to_proto(used))
