"""The ledger over a real channel: validation, idempotency, reversals, review, visibility."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from quantis.v1 import financial_service_pb2 as pb
from quantis.v1 import financial_service_pb2_grpc

from server.auth.permissions import ROLE_PERMISSIONS, Role
from server.auth.principal import Principal
from server.composition import Application
from server.db.enums import TransactionType
from server.db.models import Transaction as TransactionRow
from server.domain.finance import creation
from server.domain.finance.money import Money
from server.domain.finance.requests import NewTransaction
from tests.server.auth_helpers import PASSWORD, user_token
from tests.server.financial.conftest import bearer, create_request, failure, usd

Stub = financial_service_pb2_grpc.FinancialServiceStub
SANCTIONED = pb.Counterparty(name="blocked  holdings, LTD.", account_reference="DE1", country="DE")


async def test_a_deposit_completes_with_exact_money_and_a_score(
    finance: Stub, application: Application
) -> None:
    token = bearer(await user_token(application, "dora", Role.ANALYST))
    created = await finance.CreateTransaction(
        create_request(1234, nanos=560_000_000, description="salary", metadata={"invoice": "A-1"}),
        metadata=token,
    )
    tx = created.transaction
    assert not created.replayed
    assert (tx.amount.units, tx.amount.nanos, tx.amount.currency_code) == (1234, 560_000_000, "USD")
    assert tx.status == pb.TRANSACTION_STATUS_COMPLETED and tx.risk_level == pb.RISK_LEVEL_LOW
    assert tx.metadata["invoice"] == "A-1" and tx.create_time.seconds > 0
    assert [f.rule for f in tx.risk_factors] == ["amount_band"]
    fetched = await finance.GetTransaction(
        pb.GetTransactionRequest(transaction_id=tx.transaction_id), metadata=token
    )
    assert fetched.transaction == tx


async def test_bad_amounts_name_the_field(finance: Stub, application: Application) -> None:
    token = bearer(await user_token(application, "eddy", Role.ANALYST))
    cases = {
        "amount.nanos": [create_request(1, nanos=-5), create_request(1, nanos=1_000_000_000)],
        "amount.currency_code": [create_request(1, currency="XYZ"), create_request(1, currency="usd")],
        "amount.units": [create_request(0), create_request(-3)],
        "type": [create_request(1, kind=0)],
        "counterparty.name": [create_request(1, kind=pb.TRANSACTION_TYPE_PAYMENT)],
        "idempotency_key": [pb.CreateTransactionRequest(amount=usd(1), type=pb.TRANSACTION_TYPE_DEPOSIT)],
    }
    cases["amount.nanos"].append(create_request(1, nanos=1_000))  # a fraction of a cent
    cases["amount.nanos"].append(create_request(5, nanos=500_000_000, currency="JPY"))
    cases["amount.nanos"].append(create_request(5, nanos=1_000_000, currency="KWD"))
    for field, requests in cases.items():
        for request in requests:
            if field == "amount.nanos" and request.amount.currency_code == "KWD":
                ok = await finance.CreateTransaction(request, metadata=token)  # 0.001 KWD is one fils
                assert ok.transaction.amount.nanos == 1_000_000
                continue
            failed = await failure(finance.CreateTransaction(request, metadata=token))
            assert failed.code is grpc.StatusCode.INVALID_ARGUMENT, request
            assert failed.fields == [field], (request, failed.fields)


async def test_idempotent_retry_replays_and_a_changed_body_is_refused(
    finance: Stub, application: Application
) -> None:
    token = bearer(await user_token(application, "fay", Role.ANALYST))
    first = await finance.CreateTransaction(create_request(10, key="k-1"), metadata=token)
    again = await finance.CreateTransaction(create_request(10, key="k-1"), metadata=token)
    assert again.replayed and again.transaction == first.transaction
    changed = await failure(finance.CreateTransaction(create_request(11, key="k-1"), metadata=token))
    assert (changed.code, changed.reason) == (grpc.StatusCode.ALREADY_EXISTS, "IDEMPOTENCY_KEY_REUSED")
    assert changed.info.metadata["transaction_id"] == first.transaction.transaction_id
    # The key is scoped to its user: someone else may use it.
    other = bearer(await user_token(application, "gus", Role.ANALYST))
    theirs = await finance.CreateTransaction(create_request(11, key="k-1"), metadata=other)
    assert not theirs.replayed and theirs.transaction.transaction_id != first.transaction.transaction_id
    listed = await finance.ListTransactions(pb.ListTransactionsRequest(), metadata=token)
    assert listed.total_size == 1


async def test_a_reversal_points_to_the_original_which_becomes_reversed(
    finance: Stub, application: Application
) -> None:
    token = bearer(await user_token(application, "hal", Role.ANALYST))
    original = (
        await finance.CreateTransaction(create_request(70, nanos=250_000_000), metadata=token)
    ).transaction
    wrong = create_request(
        70, kind=pb.TRANSACTION_TYPE_REVERSAL, reversal_of_transaction_id=original.transaction_id
    )
    mismatch = await failure(finance.CreateTransaction(wrong, metadata=token))
    assert (mismatch.code, mismatch.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "AMOUNT_MISMATCH")
    reversal_request = create_request(
        70,
        nanos=250_000_000,
        kind=pb.TRANSACTION_TYPE_REVERSAL,
        reversal_of_transaction_id=original.transaction_id,
    )
    reversal = (await finance.CreateTransaction(reversal_request, metadata=token)).transaction
    assert reversal.status == pb.TRANSACTION_STATUS_COMPLETED
    assert reversal.reversal_of_transaction_id == original.transaction_id
    after = (
        await finance.GetTransaction(
            pb.GetTransactionRequest(transaction_id=original.transaction_id), metadata=token
        )
    ).transaction
    assert after.status == pb.TRANSACTION_STATUS_REVERSED
    assert after.reversed_by_transaction_id == reversal.transaction_id
    assert (after.amount, after.type, after.create_time) == (
        original.amount,
        original.type,
        original.create_time,
    )
    twice = create_request(
        70,
        nanos=250_000_000,
        kind=pb.TRANSACTION_TYPE_REVERSAL,
        reversal_of_transaction_id=original.transaction_id,
    )
    refused = await failure(finance.CreateTransaction(twice, metadata=token))
    assert (refused.code, refused.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "ALREADY_REVERSED")
    of_reversal = create_request(
        70,
        nanos=250_000_000,
        kind=pb.TRANSACTION_TYPE_REVERSAL,
        reversal_of_transaction_id=reversal.transaction_id,
    )
    assert (
        await failure(finance.CreateTransaction(of_reversal, metadata=token))
    ).reason == "REVERSAL_OF_REVERSAL"
    stranger = bearer(await user_token(application, "ike", Role.ANALYST))
    foreign = create_request(
        70,
        nanos=250_000_000,
        kind=pb.TRANSACTION_TYPE_REVERSAL,
        reversal_of_transaction_id=original.transaction_id,
    )
    assert (
        await failure(finance.CreateTransaction(foreign, metadata=stranger))
    ).code is grpc.StatusCode.NOT_FOUND


async def test_a_reversal_rejected_in_review_leaves_the_original_free_to_reverse(
    finance: Stub, application: Application
) -> None:
    maker = bearer(await user_token(application, "rev_maker", Role.ADMIN))
    checker = bearer(await user_token(application, "rev_checker", Role.ADMIN))
    original = (await finance.CreateTransaction(create_request(40), metadata=maker)).transaction

    def reversal(**fields: Any) -> pb.CreateTransactionRequest:
        return create_request(
            40,
            kind=pb.TRANSACTION_TYPE_REVERSAL,
            reversal_of_transaction_id=original.transaction_id,
            **fields,
        )

    async def current() -> pb.Transaction:
        request = pb.GetTransactionRequest(transaction_id=original.transaction_id)
        return (await finance.GetTransaction(request, metadata=maker)).transaction

    held = (await finance.CreateTransaction(reversal(counterparty=SANCTIONED), metadata=maker)).transaction
    assert held.status == pb.TRANSACTION_STATUS_PENDING_REVIEW
    assert (await current()).reversed_by_transaction_id == held.transaction_id
    meanwhile = await failure(finance.CreateTransaction(reversal(), metadata=maker))
    assert (meanwhile.code, meanwhile.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "ALREADY_REVERSED")

    await finance.RejectTransaction(
        pb.RejectTransactionRequest(transaction_id=held.transaction_id, reason="wrong party"),
        metadata=checker,
    )
    after_rejection = await current()
    assert after_rejection.status == pb.TRANSACTION_STATUS_COMPLETED
    assert after_rejection.reversed_by_transaction_id == ""
    rejected = (
        await finance.GetTransaction(
            pb.GetTransactionRequest(transaction_id=held.transaction_id), metadata=maker
        )
    ).transaction
    assert rejected.reversal_of_transaction_id == original.transaction_id

    redone = (await finance.CreateTransaction(reversal(), metadata=maker)).transaction
    assert redone.status == pb.TRANSACTION_STATUS_COMPLETED
    final = await current()
    assert (final.status, final.reversed_by_transaction_id) == (
        pb.TRANSACTION_STATUS_REVERSED,
        redone.transaction_id,
    )
    listed = await finance.ListTransactions(pb.ListTransactionsRequest(), metadata=maker)
    by_id = {t.transaction_id: t for t in listed.transactions}
    assert by_id[original.transaction_id].reversed_by_transaction_id == redone.transaction_id


async def test_sanctions_hit_is_held_for_review_and_four_eyes_decide(
    finance: Stub, application: Application
) -> None:
    maker = bearer(await user_token(application, "root_maker", Role.ADMIN))
    checker = bearer(await user_token(application, "root_checker", Role.ADMIN))
    analyst = bearer(await user_token(application, "joan", Role.ANALYST))
    request = create_request(500, kind=pb.TRANSACTION_TYPE_PAYMENT, counterparty=SANCTIONED)
    held = (await finance.CreateTransaction(request, metadata=maker)).transaction
    assert held.status == pb.TRANSACTION_STATUS_PENDING_REVIEW and held.risk_level == pb.RISK_LEVEL_CRITICAL
    assert "sanctions_hit" in [f.rule for f in held.risk_factors] and held.risk_score == 100
    assert pb.AML_FLAG_KIND_SANCTIONS_HIT in [f.kind for f in held.aml_flags]

    own = await failure(
        finance.ApproveTransaction(
            pb.ApproveTransactionRequest(transaction_id=held.transaction_id), metadata=maker
        )
    )
    assert (own.code, own.reason) == (grpc.StatusCode.PERMISSION_DENIED, "FOUR_EYES")
    no_right = await failure(
        finance.ApproveTransaction(
            pb.ApproveTransactionRequest(transaction_id=held.transaction_id), metadata=analyst
        )
    )
    assert no_right.code is grpc.StatusCode.PERMISSION_DENIED and no_right.reason != "FOUR_EYES"
    no_reason = await failure(
        finance.RejectTransaction(
            pb.RejectTransactionRequest(transaction_id=held.transaction_id), metadata=checker
        )
    )
    assert no_reason.fields == ["reason"]

    approved = await finance.ApproveTransaction(
        pb.ApproveTransactionRequest(transaction_id=held.transaction_id, note="known supplier"),
        metadata=checker,
    )
    tx = approved.transaction
    assert tx.status == pb.TRANSACTION_STATUS_COMPLETED and tx.decision_note == "known supplier"
    assert tx.decided_by and tx.decided_by != tx.owner_id and tx.decide_time.seconds > 0
    again = await failure(
        finance.RejectTransaction(
            pb.RejectTransactionRequest(transaction_id=held.transaction_id, reason="late"), metadata=checker
        )
    )
    assert (again.code, again.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "NOT_PENDING_REVIEW")

    second = (
        await finance.CreateTransaction(
            create_request(7, kind=pb.TRANSACTION_TYPE_PAYMENT, counterparty=SANCTIONED), metadata=maker
        )
    ).transaction
    rejected = await finance.RejectTransaction(
        pb.RejectTransactionRequest(transaction_id=second.transaction_id, reason="sanctioned"),
        metadata=checker,
    )
    assert rejected.transaction.status == pb.TRANSACTION_STATUS_REJECTED


async def test_decisions_are_audited(finance: Stub, application: Application) -> None:
    import sqlalchemy as sa

    from server.db.models import AuditLog

    maker = bearer(await user_token(application, "root_a", Role.ADMIN))
    checker = bearer(await user_token(application, "root_b", Role.ADMIN))
    held = (
        await finance.CreateTransaction(
            create_request(9, kind=pb.TRANSACTION_TYPE_PAYMENT, counterparty=SANCTIONED), metadata=maker
        )
    ).transaction
    await failure(
        finance.ApproveTransaction(
            pb.ApproveTransactionRequest(transaction_id=held.transaction_id), metadata=maker
        )
    )
    await finance.ApproveTransaction(
        pb.ApproveTransactionRequest(transaction_id=held.transaction_id, note="ok"), metadata=checker
    )
    rows = await application.db.run(
        lambda s: [
            (r.action, r.resource_id, r.outcome.value, r.username)
            for r in s.scalars(sa.select(AuditLog).order_by(AuditLog.created_at)).all()
            if r.action.endswith("ApproveTransaction")
        ]
    )
    assert [(r[1], r[2], r[3]) for r in rows] == [
        (held.transaction_id, "denied", "root_a"),
        (held.transaction_id, "success", "root_b"),
    ]


async def test_visibility_owner_admin_and_review_queue(finance: Stub, application: Application) -> None:
    alice = bearer(await user_token(application, "alice", Role.ANALYST))
    bob = bearer(await user_token(application, "bob", Role.ANALYST))
    admin = bearer(await user_token(application, "root_v", Role.ADMIN))
    mine = (await finance.CreateTransaction(create_request(5), metadata=alice)).transaction
    held = (
        await finance.CreateTransaction(
            create_request(6, kind=pb.TRANSACTION_TYPE_PAYMENT, counterparty=SANCTIONED), metadata=alice
        )
    ).transaction
    hidden = await failure(
        finance.GetTransaction(pb.GetTransactionRequest(transaction_id=mine.transaction_id), metadata=bob)
    )
    assert hidden.code is grpc.StatusCode.NOT_FOUND
    assert (await finance.ListTransactions(pb.ListTransactionsRequest(), metadata=bob)).total_size == 0
    everything = await finance.ListTransactions(pb.ListTransactionsRequest(), metadata=admin)
    assert {t.transaction_id for t in everything.transactions} == {mine.transaction_id, held.transaction_id}
    queue = await finance.ListTransactions(
        pb.ListTransactionsRequest(statuses=[pb.TRANSACTION_STATUS_PENDING_REVIEW]), metadata=admin
    )
    assert [t.transaction_id for t in queue.transactions] == [held.transaction_id]


async def test_list_filters_order_and_pages(finance: Stub, application: Application) -> None:
    token = bearer(await user_token(application, "kim", Role.ANALYST))
    ids = []
    for units in (100, 200, 300, 400, 500):
        party = pb.Counterparty(name=f"Shop {units}", country="DE" if units % 200 == 0 else "FR")
        request = create_request(
            units,
            kind=pb.TRANSACTION_TYPE_PAYMENT,
            counterparty=party,
            description=f"Order #{units}",
            metadata={"batch": "b1" if units < 300 else "b2"},
        )
        ids.append((await finance.CreateTransaction(request, metadata=token)).transaction.transaction_id)
    pages, token_ = [], ""
    while True:
        page = await finance.ListTransactions(
            pb.ListTransactionsRequest(page_size=2, page_token=token_, order=1), metadata=token
        )
        pages.append([t.transaction_id for t in page.transactions])
        token_ = page.next_page_token
        if not token_:
            break
    assert [i for p in pages for i in p] == ids and [len(p) for p in pages] == [2, 2, 1]
    newest = await finance.ListTransactions(pb.ListTransactionsRequest(), metadata=token)
    assert [t.transaction_id for t in newest.transactions] == ids[::-1]

    async def matching(**fields: object) -> list[int]:
        found = await finance.ListTransactions(pb.ListTransactionsRequest(**fields), metadata=token)  # type: ignore[arg-type]
        return sorted(t.amount.units for t in found.transactions)

    assert await matching(filter='counterparty.country="DE" AND type=TRANSACTION_TYPE_PAYMENT') == [200, 400]
    assert await matching(filter='description:"order #3"') == [300]
    assert await matching(filter='metadata.batch="b1"') == [100, 200]
    assert await matching(currency_code="USD", min_amount=usd(200), max_amount=usd(400)) == [200, 300, 400]
    for bad in ("amount>3", "status=COMPLETED", 'type="x" OR', 'create_time>"yesterday"'):
        failed = await failure(
            finance.ListTransactions(pb.ListTransactionsRequest(filter=bad), metadata=token)
        )
        assert (failed.code, failed.fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["filter"]), bad
    no_currency = await failure(
        finance.ListTransactions(pb.ListTransactionsRequest(min_amount=usd(1)), metadata=token)
    )
    assert no_currency.fields == ["currency_code"]
    naive = base64.urlsafe_b64encode(b'{"t": "2024-01-01T00:00:00", "i": "x"}').decode()
    for bad_token in (naive, "garbage"):
        failed = await failure(
            finance.ListTransactions(pb.ListTransactionsRequest(page_token=bad_token), metadata=token)
        )
        assert (failed.code, failed.fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["page_token"])
    # NUL would end SQLite's LIKE pattern there: 'Order #1\0zzz' would match "Order #100".
    nul = await failure(
        finance.ListTransactions(
            pb.ListTransactionsRequest(filter='description:"Order #1\x00zzz"'), metadata=token
        )
    )
    assert (nul.code, nul.fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["filter"])

    # A token is valid with the filter and order it was made under, and no others.
    first = await finance.ListTransactions(
        pb.ListTransactionsRequest(page_size=2, filter='metadata.batch="b2"'), metadata=token
    )
    assert first.next_page_token
    for other in (
        pb.ListTransactionsRequest(page_token=first.next_page_token),
        pb.ListTransactionsRequest(page_token=first.next_page_token, filter='metadata.batch="b1"'),
        pb.ListTransactionsRequest(page_token=first.next_page_token, filter='metadata.batch="b2"', order=1),
    ):
        moved = await failure(finance.ListTransactions(other, metadata=token))
        assert (moved.code, moved.fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["page_token"])
    rest = await finance.ListTransactions(
        pb.ListTransactionsRequest(
            page_size=5, page_token=first.next_page_token, filter='metadata.batch="b2"'
        ),
        metadata=token,
    )
    assert [t.amount.units for t in first.transactions] + [t.amount.units for t in rest.transactions] == [
        500,
        400,
        300,
    ]


async def test_losing_the_race_on_the_unique_key_reads_the_winner_back(
    application: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await application.accounts.register(
        "race_loser", "race_loser@example.com", PASSWORD, role=Role.ANALYST
    )
    caller = Principal(user.id, user.username, Role.ANALYST, ROLE_PERMISSIONS[Role.ANALYST])
    ledger = application.servicers.financial._ledger  # type: ignore[attr-defined]
    request = NewTransaction("race", Money("EUR", Decimal("12.34")), TransactionType.DEPOSIT)
    first = await ledger.create(caller, request)
    lookup = creation.replay
    missed: list[bool] = []

    def blind(*args: Any) -> Any:
        if not missed:  # as if the winner had not committed when this call looked
            missed.append(True)
            return None
        return lookup(*args)

    monkeypatch.setattr(creation, "replay", blind)
    again = await ledger.create(caller, request)
    assert missed and again.replayed and again.transaction.id == first.transaction.id
    count = await application.db.run(
        lambda s: s.scalar(sa.select(sa.func.count()).select_from(TransactionRow))
    )
    assert count == 1
