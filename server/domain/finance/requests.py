"""A transaction request, checked, and its fingerprint for the idempotency check."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal

from server.db.enums import TransactionType
from server.domain.finance.money import Money
from server.domain.finance.risk import Counterparty
from server.errors import InvalidArgument

MAX_UNITS = Decimal(1_000_000_000_000)
_KEY = re.compile(r"[\x20-\x7e]{1,128}")  # printable ASCII, space included
_COUNTRY = re.compile(r"[A-Z]{2}")
NEEDS_COUNTERPARTY = (TransactionType.TRANSFER, TransactionType.PAYMENT)


@dataclass(frozen=True)
class NewTransaction:
    idempotency_key: str
    amount: Money
    type: TransactionType | None
    description: str = ""
    counterparty: Counterparty = field(default_factory=Counterparty)
    reversal_of: str = ""
    metadata: dict[str, str] = field(default_factory=dict)

    def checked(self) -> NewTransaction:
        """This request, or INVALID_ARGUMENT naming the first bad field."""
        if not self.idempotency_key:
            raise InvalidArgument.field("idempotency_key", "is required")
        if not _KEY.fullmatch(self.idempotency_key):
            raise InvalidArgument.field("idempotency_key", "must be 1 to 128 printable ASCII characters")
        if self.amount.amount <= 0:
            raise InvalidArgument.field("amount.units", "must be positive (the type gives the direction)")
        if self.amount.amount > MAX_UNITS:
            raise InvalidArgument.field("amount.units", f"must be at most {MAX_UNITS:,}")
        if self.type is None:
            raise InvalidArgument.field("type", "is required")
        if len(self.description) > 500:
            raise InvalidArgument.field("description", "must be at most 500 characters")
        self._check_counterparty()
        if self.type is TransactionType.REVERSAL and not self.reversal_of:
            raise InvalidArgument.field("reversal_of_transaction_id", "is required for a REVERSAL")
        if self.type is not TransactionType.REVERSAL and self.reversal_of:
            raise InvalidArgument.field("reversal_of_transaction_id", "must be empty unless type is REVERSAL")
        if len(self.reversal_of) > 64:
            raise InvalidArgument.field("reversal_of_transaction_id", "is not a transaction id")
        if len(self.metadata) > 32:
            raise InvalidArgument.field("metadata", "must have at most 32 entries")
        for key, value in self.metadata.items():
            if not 1 <= len(key) <= 64:
                raise InvalidArgument.field("metadata", "keys must be 1 to 64 characters")
            if len(value) > 512:
                raise InvalidArgument.field(f"metadata[{key}]", "must be at most 512 characters")
        return self

    def _check_counterparty(self) -> None:
        party = self.counterparty
        if self.type in NEEDS_COUNTERPARTY and not party.name:
            raise InvalidArgument.field("counterparty.name", f"is required for a {self.type.name}")
        if party.given and not 1 <= len(party.name) <= 200:
            raise InvalidArgument.field("counterparty.name", "must be 1 to 200 characters")
        if len(party.account) > 64:
            raise InvalidArgument.field("counterparty.account_reference", "must be at most 64 characters")
        if party.country and not _COUNTRY.fullmatch(party.country):
            raise InvalidArgument.field(
                "counterparty.country", "must be an ISO 3166-1 alpha-2 code in upper case"
            )

    def fingerprint(self) -> str:
        """A hash of every field but the idempotency key."""
        body = {
            "amount": [self.amount.currency, str(self.amount.minor)],
            "type": self.type.value if self.type else "",
            "description": self.description,
            "counterparty": [self.counterparty.name, self.counterparty.account, self.counterparty.country],
            "reversal_of": self.reversal_of,
            "metadata": sorted(self.metadata.items()),
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
