import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import date_pb2 as _date_pb2
from google.type import decimal_pb2 as _decimal_pb2
from google.type import money_pb2 as _money_pb2
from quantis.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TransactionType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANSACTION_TYPE_UNSPECIFIED: _ClassVar[TransactionType]
    TRANSACTION_TYPE_DEPOSIT: _ClassVar[TransactionType]
    TRANSACTION_TYPE_WITHDRAWAL: _ClassVar[TransactionType]
    TRANSACTION_TYPE_TRANSFER: _ClassVar[TransactionType]
    TRANSACTION_TYPE_PAYMENT: _ClassVar[TransactionType]
    TRANSACTION_TYPE_REFUND: _ClassVar[TransactionType]
    TRANSACTION_TYPE_FEE: _ClassVar[TransactionType]
    TRANSACTION_TYPE_REVERSAL: _ClassVar[TransactionType]

class TransactionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANSACTION_STATUS_UNSPECIFIED: _ClassVar[TransactionStatus]
    TRANSACTION_STATUS_PENDING_REVIEW: _ClassVar[TransactionStatus]
    TRANSACTION_STATUS_COMPLETED: _ClassVar[TransactionStatus]
    TRANSACTION_STATUS_REJECTED: _ClassVar[TransactionStatus]
    TRANSACTION_STATUS_REVERSED: _ClassVar[TransactionStatus]
    TRANSACTION_STATUS_FAILED: _ClassVar[TransactionStatus]

class RiskLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RISK_LEVEL_UNSPECIFIED: _ClassVar[RiskLevel]
    RISK_LEVEL_LOW: _ClassVar[RiskLevel]
    RISK_LEVEL_MEDIUM: _ClassVar[RiskLevel]
    RISK_LEVEL_HIGH: _ClassVar[RiskLevel]
    RISK_LEVEL_CRITICAL: _ClassVar[RiskLevel]

class AmlFlagKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AML_FLAG_KIND_UNSPECIFIED: _ClassVar[AmlFlagKind]
    AML_FLAG_KIND_KYC_REQUIRED: _ClassVar[AmlFlagKind]
    AML_FLAG_KIND_ENHANCED_DUE_DILIGENCE: _ClassVar[AmlFlagKind]
    AML_FLAG_KIND_STRUCTURING: _ClassVar[AmlFlagKind]
    AML_FLAG_KIND_VELOCITY: _ClassVar[AmlFlagKind]
    AML_FLAG_KIND_ROUND_AMOUNT: _ClassVar[AmlFlagKind]
    AML_FLAG_KIND_SANCTIONS_HIT: _ClassVar[AmlFlagKind]
    AML_FLAG_KIND_HIGH_RISK_COUNTRY: _ClassVar[AmlFlagKind]

class SummaryPeriod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUMMARY_PERIOD_UNSPECIFIED: _ClassVar[SummaryPeriod]
    SUMMARY_PERIOD_DAY: _ClassVar[SummaryPeriod]
    SUMMARY_PERIOD_WEEK: _ClassVar[SummaryPeriod]
    SUMMARY_PERIOD_MONTH: _ClassVar[SummaryPeriod]

class NpvConvention(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NPV_CONVENTION_UNSPECIFIED: _ClassVar[NpvConvention]
    NPV_CONVENTION_FIRST_AT_T0: _ClassVar[NpvConvention]
    NPV_CONVENTION_END_OF_PERIOD: _ClassVar[NpvConvention]

class IrrOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IRR_OUTCOME_UNSPECIFIED: _ClassVar[IrrOutcome]
    IRR_OUTCOME_FOUND: _ClassVar[IrrOutcome]
    IRR_OUTCOME_NO_SOLUTION: _ClassVar[IrrOutcome]
    IRR_OUTCOME_MULTIPLE_SOLUTIONS: _ClassVar[IrrOutcome]

class InterestMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INTEREST_METHOD_UNSPECIFIED: _ClassVar[InterestMethod]
    INTEREST_METHOD_SIMPLE: _ClassVar[InterestMethod]
    INTEREST_METHOD_COMPOUND: _ClassVar[InterestMethod]
    INTEREST_METHOD_CONTINUOUS: _ClassVar[InterestMethod]

class ComplianceStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPLIANCE_STATUS_UNSPECIFIED: _ClassVar[ComplianceStatus]
    COMPLIANCE_STATUS_COMPLIANT: _ClassVar[ComplianceStatus]
    COMPLIANCE_STATUS_REVIEW_REQUIRED: _ClassVar[ComplianceStatus]
    COMPLIANCE_STATUS_NON_COMPLIANT: _ClassVar[ComplianceStatus]
TRANSACTION_TYPE_UNSPECIFIED: TransactionType
TRANSACTION_TYPE_DEPOSIT: TransactionType
TRANSACTION_TYPE_WITHDRAWAL: TransactionType
TRANSACTION_TYPE_TRANSFER: TransactionType
TRANSACTION_TYPE_PAYMENT: TransactionType
TRANSACTION_TYPE_REFUND: TransactionType
TRANSACTION_TYPE_FEE: TransactionType
TRANSACTION_TYPE_REVERSAL: TransactionType
TRANSACTION_STATUS_UNSPECIFIED: TransactionStatus
TRANSACTION_STATUS_PENDING_REVIEW: TransactionStatus
TRANSACTION_STATUS_COMPLETED: TransactionStatus
TRANSACTION_STATUS_REJECTED: TransactionStatus
TRANSACTION_STATUS_REVERSED: TransactionStatus
TRANSACTION_STATUS_FAILED: TransactionStatus
RISK_LEVEL_UNSPECIFIED: RiskLevel
RISK_LEVEL_LOW: RiskLevel
RISK_LEVEL_MEDIUM: RiskLevel
RISK_LEVEL_HIGH: RiskLevel
RISK_LEVEL_CRITICAL: RiskLevel
AML_FLAG_KIND_UNSPECIFIED: AmlFlagKind
AML_FLAG_KIND_KYC_REQUIRED: AmlFlagKind
AML_FLAG_KIND_ENHANCED_DUE_DILIGENCE: AmlFlagKind
AML_FLAG_KIND_STRUCTURING: AmlFlagKind
AML_FLAG_KIND_VELOCITY: AmlFlagKind
AML_FLAG_KIND_ROUND_AMOUNT: AmlFlagKind
AML_FLAG_KIND_SANCTIONS_HIT: AmlFlagKind
AML_FLAG_KIND_HIGH_RISK_COUNTRY: AmlFlagKind
SUMMARY_PERIOD_UNSPECIFIED: SummaryPeriod
SUMMARY_PERIOD_DAY: SummaryPeriod
SUMMARY_PERIOD_WEEK: SummaryPeriod
SUMMARY_PERIOD_MONTH: SummaryPeriod
NPV_CONVENTION_UNSPECIFIED: NpvConvention
NPV_CONVENTION_FIRST_AT_T0: NpvConvention
NPV_CONVENTION_END_OF_PERIOD: NpvConvention
IRR_OUTCOME_UNSPECIFIED: IrrOutcome
IRR_OUTCOME_FOUND: IrrOutcome
IRR_OUTCOME_NO_SOLUTION: IrrOutcome
IRR_OUTCOME_MULTIPLE_SOLUTIONS: IrrOutcome
INTEREST_METHOD_UNSPECIFIED: InterestMethod
INTEREST_METHOD_SIMPLE: InterestMethod
INTEREST_METHOD_COMPOUND: InterestMethod
INTEREST_METHOD_CONTINUOUS: InterestMethod
COMPLIANCE_STATUS_UNSPECIFIED: ComplianceStatus
COMPLIANCE_STATUS_COMPLIANT: ComplianceStatus
COMPLIANCE_STATUS_REVIEW_REQUIRED: ComplianceStatus
COMPLIANCE_STATUS_NON_COMPLIANT: ComplianceStatus

class CreateTransactionRequest(_message.Message):
    __slots__ = ("idempotency_key", "amount", "type", "description", "counterparty", "reversal_of_transaction_id", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    COUNTERPARTY_FIELD_NUMBER: _ClassVar[int]
    REVERSAL_OF_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    amount: _money_pb2.Money
    type: TransactionType
    description: str
    counterparty: Counterparty
    reversal_of_transaction_id: str
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, idempotency_key: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., type: _Optional[_Union[TransactionType, str]] = ..., description: _Optional[str] = ..., counterparty: _Optional[_Union[Counterparty, _Mapping]] = ..., reversal_of_transaction_id: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class Counterparty(_message.Message):
    __slots__ = ("name", "account_reference", "country")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    name: str
    account_reference: str
    country: str
    def __init__(self, name: _Optional[str] = ..., account_reference: _Optional[str] = ..., country: _Optional[str] = ...) -> None: ...

class CreateTransactionResponse(_message.Message):
    __slots__ = ("transaction", "replayed")
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    transaction: Transaction
    replayed: bool
    def __init__(self, transaction: _Optional[_Union[Transaction, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class Transaction(_message.Message):
    __slots__ = ("transaction_id", "owner_id", "idempotency_key", "amount", "type", "status", "description", "counterparty", "risk_score", "risk_level", "risk_factors", "aml_flags", "reversal_of_transaction_id", "reversed_by_transaction_id", "decided_by", "decision_note", "decide_time", "create_time", "metadata", "update_time")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    COUNTERPARTY_FIELD_NUMBER: _ClassVar[int]
    RISK_SCORE_FIELD_NUMBER: _ClassVar[int]
    RISK_LEVEL_FIELD_NUMBER: _ClassVar[int]
    RISK_FACTORS_FIELD_NUMBER: _ClassVar[int]
    AML_FLAGS_FIELD_NUMBER: _ClassVar[int]
    REVERSAL_OF_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    REVERSED_BY_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    DECISION_NOTE_FIELD_NUMBER: _ClassVar[int]
    DECIDE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    owner_id: str
    idempotency_key: str
    amount: _money_pb2.Money
    type: TransactionType
    status: TransactionStatus
    description: str
    counterparty: Counterparty
    risk_score: int
    risk_level: RiskLevel
    risk_factors: _containers.RepeatedCompositeFieldContainer[RiskFactor]
    aml_flags: _containers.RepeatedCompositeFieldContainer[AmlFlag]
    reversal_of_transaction_id: str
    reversed_by_transaction_id: str
    decided_by: str
    decision_note: str
    decide_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    metadata: _containers.ScalarMap[str, str]
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, transaction_id: _Optional[str] = ..., owner_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., type: _Optional[_Union[TransactionType, str]] = ..., status: _Optional[_Union[TransactionStatus, str]] = ..., description: _Optional[str] = ..., counterparty: _Optional[_Union[Counterparty, _Mapping]] = ..., risk_score: _Optional[int] = ..., risk_level: _Optional[_Union[RiskLevel, str]] = ..., risk_factors: _Optional[_Iterable[_Union[RiskFactor, _Mapping]]] = ..., aml_flags: _Optional[_Iterable[_Union[AmlFlag, _Mapping]]] = ..., reversal_of_transaction_id: _Optional[str] = ..., reversed_by_transaction_id: _Optional[str] = ..., decided_by: _Optional[str] = ..., decision_note: _Optional[str] = ..., decide_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RiskFactor(_message.Message):
    __slots__ = ("rule", "points", "detail")
    RULE_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    rule: str
    points: int
    detail: str
    def __init__(self, rule: _Optional[str] = ..., points: _Optional[int] = ..., detail: _Optional[str] = ...) -> None: ...

class AmlFlag(_message.Message):
    __slots__ = ("kind", "detail", "related_transaction_ids")
    KIND_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    RELATED_TRANSACTION_IDS_FIELD_NUMBER: _ClassVar[int]
    kind: AmlFlagKind
    detail: str
    related_transaction_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, kind: _Optional[_Union[AmlFlagKind, str]] = ..., detail: _Optional[str] = ..., related_transaction_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetTransactionRequest(_message.Message):
    __slots__ = ("transaction_id",)
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    def __init__(self, transaction_id: _Optional[str] = ...) -> None: ...

class GetTransactionResponse(_message.Message):
    __slots__ = ("transaction",)
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    transaction: Transaction
    def __init__(self, transaction: _Optional[_Union[Transaction, _Mapping]] = ...) -> None: ...

class ListTransactionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "filter", "statuses", "types", "currency_code", "time_range", "min_amount", "max_amount", "risk_levels", "owner_id", "order")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    MIN_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    MAX_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    RISK_LEVELS_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    filter: str
    statuses: _containers.RepeatedScalarFieldContainer[TransactionStatus]
    types: _containers.RepeatedScalarFieldContainer[TransactionType]
    currency_code: str
    time_range: _common_pb2.TimeRange
    min_amount: _money_pb2.Money
    max_amount: _money_pb2.Money
    risk_levels: _containers.RepeatedScalarFieldContainer[RiskLevel]
    owner_id: str
    order: _common_pb2.SortOrder
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[TransactionStatus, str]]] = ..., types: _Optional[_Iterable[_Union[TransactionType, str]]] = ..., currency_code: _Optional[str] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., min_amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., max_amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., risk_levels: _Optional[_Iterable[_Union[RiskLevel, str]]] = ..., owner_id: _Optional[str] = ..., order: _Optional[_Union[_common_pb2.SortOrder, str]] = ...) -> None: ...

class ListTransactionsResponse(_message.Message):
    __slots__ = ("transactions", "next_page_token", "total_size")
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    transactions: _containers.RepeatedCompositeFieldContainer[Transaction]
    next_page_token: str
    total_size: int
    def __init__(self, transactions: _Optional[_Iterable[_Union[Transaction, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class ApproveTransactionRequest(_message.Message):
    __slots__ = ("transaction_id", "note")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    note: str
    def __init__(self, transaction_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class ApproveTransactionResponse(_message.Message):
    __slots__ = ("transaction",)
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    transaction: Transaction
    def __init__(self, transaction: _Optional[_Union[Transaction, _Mapping]] = ...) -> None: ...

class RejectTransactionRequest(_message.Message):
    __slots__ = ("transaction_id", "reason")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    reason: str
    def __init__(self, transaction_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RejectTransactionResponse(_message.Message):
    __slots__ = ("transaction",)
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    transaction: Transaction
    def __init__(self, transaction: _Optional[_Union[Transaction, _Mapping]] = ...) -> None: ...

class GetTransactionSummaryRequest(_message.Message):
    __slots__ = ("time_range", "period", "currency_code", "owner_id")
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    time_range: _common_pb2.TimeRange
    period: SummaryPeriod
    currency_code: str
    owner_id: str
    def __init__(self, time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., period: _Optional[_Union[SummaryPeriod, str]] = ..., currency_code: _Optional[str] = ..., owner_id: _Optional[str] = ...) -> None: ...

class GetTransactionSummaryResponse(_message.Message):
    __slots__ = ("buckets", "time_range")
    BUCKETS_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    buckets: _containers.RepeatedCompositeFieldContainer[SummaryBucket]
    time_range: _common_pb2.TimeRange
    def __init__(self, buckets: _Optional[_Iterable[_Union[SummaryBucket, _Mapping]]] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ...) -> None: ...

class SummaryBucket(_message.Message):
    __slots__ = ("period_start", "type", "currency_code", "status", "count", "total")
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    period_start: _timestamp_pb2.Timestamp
    type: TransactionType
    currency_code: str
    status: TransactionStatus
    count: int
    total: _money_pb2.Money
    def __init__(self, period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., type: _Optional[_Union[TransactionType, str]] = ..., currency_code: _Optional[str] = ..., status: _Optional[_Union[TransactionStatus, str]] = ..., count: _Optional[int] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class CalculateNpvRequest(_message.Message):
    __slots__ = ("rate", "cash_flows", "convention", "dates")
    RATE_FIELD_NUMBER: _ClassVar[int]
    CASH_FLOWS_FIELD_NUMBER: _ClassVar[int]
    CONVENTION_FIELD_NUMBER: _ClassVar[int]
    DATES_FIELD_NUMBER: _ClassVar[int]
    rate: _decimal_pb2.Decimal
    cash_flows: _containers.RepeatedCompositeFieldContainer[_money_pb2.Money]
    convention: NpvConvention
    dates: _containers.RepeatedCompositeFieldContainer[_date_pb2.Date]
    def __init__(self, rate: _Optional[_Union[_decimal_pb2.Decimal, _Mapping]] = ..., cash_flows: _Optional[_Iterable[_Union[_money_pb2.Money, _Mapping]]] = ..., convention: _Optional[_Union[NpvConvention, str]] = ..., dates: _Optional[_Iterable[_Union[_date_pb2.Date, _Mapping]]] = ...) -> None: ...

class CalculateNpvResponse(_message.Message):
    __slots__ = ("npv", "convention", "unrounded_npv")
    NPV_FIELD_NUMBER: _ClassVar[int]
    CONVENTION_FIELD_NUMBER: _ClassVar[int]
    UNROUNDED_NPV_FIELD_NUMBER: _ClassVar[int]
    npv: _money_pb2.Money
    convention: NpvConvention
    unrounded_npv: _decimal_pb2.Decimal
    def __init__(self, npv: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., convention: _Optional[_Union[NpvConvention, str]] = ..., unrounded_npv: _Optional[_Union[_decimal_pb2.Decimal, _Mapping]] = ...) -> None: ...

class CalculateIrrRequest(_message.Message):
    __slots__ = ("cash_flows", "values", "dates", "lower_bound", "upper_bound", "guess")
    CASH_FLOWS_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    DATES_FIELD_NUMBER: _ClassVar[int]
    LOWER_BOUND_FIELD_NUMBER: _ClassVar[int]
    UPPER_BOUND_FIELD_NUMBER: _ClassVar[int]
    GUESS_FIELD_NUMBER: _ClassVar[int]
    cash_flows: _containers.RepeatedCompositeFieldContainer[_money_pb2.Money]
    values: _containers.RepeatedCompositeFieldContainer[_decimal_pb2.Decimal]
    dates: _containers.RepeatedCompositeFieldContainer[_date_pb2.Date]
    lower_bound: _decimal_pb2.Decimal
    upper_bound: _decimal_pb2.Decimal
    guess: _decimal_pb2.Decimal
    def __init__(self, cash_flows: _Optional[_Iterable[_Union[_money_pb2.Money, _Mapping]]] = ..., values: _Optional[_Iterable[_Union[_decimal_pb2.Decimal, _Mapping]]] = ..., dates: _Optional[_Iterable[_Union[_date_pb2.Date, _Mapping]]] = ..., lower_bound: _Optional[_Union[_decimal_pb2.Decimal, _Mapping]] = ..., upper_bound: _Optional[_Union[_decimal_pb2.Decimal, _Mapping]] = ..., guess: _Optional[_Union[_decimal_pb2.Decimal, _Mapping]] = ...) -> None: ...

class CalculateIrrResponse(_message.Message):
    __slots__ = ("outcome", "rate", "sign_changes", "roots", "iterations", "lower_bound", "upper_bound")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RATE_FIELD_NUMBER: _ClassVar[int]
    SIGN_CHANGES_FIELD_NUMBER: _ClassVar[int]
    ROOTS_FIELD_NUMBER: _ClassVar[int]
    ITERATIONS_FIELD_NUMBER: _ClassVar[int]
    LOWER_BOUND_FIELD_NUMBER: _ClassVar[int]
    UPPER_BOUND_FIELD_NUMBER: _ClassVar[int]
    outcome: IrrOutcome
    rate: _decimal_pb2.Decimal
    sign_changes: int
    roots: _containers.RepeatedCompositeFieldContainer[_decimal_pb2.Decimal]
    iterations: int
    lower_bound: _decimal_pb2.Decimal
    upper_bound: _decimal_pb2.Decimal
    def __init__(self, outcome: _Optional[_Union[IrrOutcome, str]] = ..., rate: _Optional[_Union[_decimal_pb2.Decimal, _Mapping]] = ..., sign_changes: _Optional[int] = ..., roots: _Optional[_Iterable[_Union[_decimal_pb2.Decimal, _Mapping]]] = ..., iterations: _Optional[int] = ..., lower_bound: _Optional[_Union[_decimal_pb2.Decimal, _Mapping]] = ..., upper_bound: _Optional[_Union[_decimal_pb2.Decimal, _Mapping]] = ...) -> None: ...

class CalculateInterestRequest(_message.Message):
    __slots__ = ("principal", "annual_rate", "method", "periods_per_year", "term_years", "term_days")
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    ANNUAL_RATE_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    PERIODS_PER_YEAR_FIELD_NUMBER: _ClassVar[int]
    TERM_YEARS_FIELD_NUMBER: _ClassVar[int]
    TERM_DAYS_FIELD_NUMBER: _ClassVar[int]
    principal: _money_pb2.Money
    annual_rate: _decimal_pb2.Decimal
    method: InterestMethod
    periods_per_year: int
    term_years: _decimal_pb2.Decimal
    term_days: int
    def __init__(self, principal: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., annual_rate: _Optional[_Union[_decimal_pb2.Decimal, _Mapping]] = ..., method: _Optional[_Union[InterestMethod, str]] = ..., periods_per_year: _Optional[int] = ..., term_years: _Optional[_Union[_decimal_pb2.Decimal, _Mapping]] = ..., term_days: _Optional[int] = ...) -> None: ...

class CalculateInterestResponse(_message.Message):
    __slots__ = ("interest", "final_amount", "effective_annual_rate")
    INTEREST_FIELD_NUMBER: _ClassVar[int]
    FINAL_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_ANNUAL_RATE_FIELD_NUMBER: _ClassVar[int]
    interest: _money_pb2.Money
    final_amount: _money_pb2.Money
    effective_annual_rate: _decimal_pb2.Decimal
    def __init__(self, interest: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., final_amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., effective_annual_rate: _Optional[_Union[_decimal_pb2.Decimal, _Mapping]] = ...) -> None: ...

class CalculateAmortizationRequest(_message.Message):
    __slots__ = ("principal", "annual_rate", "number_of_payments", "payments_per_year")
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    ANNUAL_RATE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_OF_PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    PAYMENTS_PER_YEAR_FIELD_NUMBER: _ClassVar[int]
    principal: _money_pb2.Money
    annual_rate: _decimal_pb2.Decimal
    number_of_payments: int
    payments_per_year: int
    def __init__(self, principal: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., annual_rate: _Optional[_Union[_decimal_pb2.Decimal, _Mapping]] = ..., number_of_payments: _Optional[int] = ..., payments_per_year: _Optional[int] = ...) -> None: ...

class CalculateAmortizationResponse(_message.Message):
    __slots__ = ("payment", "total_interest", "total_paid", "rows")
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_INTEREST_FIELD_NUMBER: _ClassVar[int]
    TOTAL_PAID_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    payment: _money_pb2.Money
    total_interest: _money_pb2.Money
    total_paid: _money_pb2.Money
    rows: _containers.RepeatedCompositeFieldContainer[AmortizationRow]
    def __init__(self, payment: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., total_interest: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., total_paid: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., rows: _Optional[_Iterable[_Union[AmortizationRow, _Mapping]]] = ...) -> None: ...

class AmortizationRow(_message.Message):
    __slots__ = ("period", "payment", "interest", "principal", "balance")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    INTEREST_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    period: int
    payment: _money_pb2.Money
    interest: _money_pb2.Money
    principal: _money_pb2.Money
    balance: _money_pb2.Money
    def __init__(self, period: _Optional[int] = ..., payment: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., interest: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., principal: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., balance: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class CheckComplianceRequest(_message.Message):
    __slots__ = ("user_id", "time_range")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    time_range: _common_pb2.TimeRange
    def __init__(self, user_id: _Optional[str] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ...) -> None: ...

class CheckComplianceResponse(_message.Message):
    __slots__ = ("report",)
    REPORT_FIELD_NUMBER: _ClassVar[int]
    report: ComplianceReport
    def __init__(self, report: _Optional[_Union[ComplianceReport, _Mapping]] = ...) -> None: ...

class ComplianceReport(_message.Message):
    __slots__ = ("user_id", "time_range", "status", "limit_usage", "flags", "transaction_count", "pending_review_count", "generate_time")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_USAGE_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    PENDING_REVIEW_COUNT_FIELD_NUMBER: _ClassVar[int]
    GENERATE_TIME_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    time_range: _common_pb2.TimeRange
    status: ComplianceStatus
    limit_usage: _containers.RepeatedCompositeFieldContainer[LimitUsage]
    flags: _containers.RepeatedCompositeFieldContainer[ComplianceFlag]
    transaction_count: int
    pending_review_count: int
    generate_time: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[str] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., status: _Optional[_Union[ComplianceStatus, str]] = ..., limit_usage: _Optional[_Iterable[_Union[LimitUsage, _Mapping]]] = ..., flags: _Optional[_Iterable[_Union[ComplianceFlag, _Mapping]]] = ..., transaction_count: _Optional[int] = ..., pending_review_count: _Optional[int] = ..., generate_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ComplianceFlag(_message.Message):
    __slots__ = ("kind", "detail", "transaction_ids")
    KIND_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_IDS_FIELD_NUMBER: _ClassVar[int]
    kind: AmlFlagKind
    detail: str
    transaction_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, kind: _Optional[_Union[AmlFlagKind, str]] = ..., detail: _Optional[str] = ..., transaction_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class LimitUsage(_message.Message):
    __slots__ = ("currency_code", "daily_limit", "daily_used", "daily_remaining", "monthly_limit", "monthly_used", "monthly_remaining", "daily_reset_time", "monthly_reset_time")
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    DAILY_LIMIT_FIELD_NUMBER: _ClassVar[int]
    DAILY_USED_FIELD_NUMBER: _ClassVar[int]
    DAILY_REMAINING_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_LIMIT_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_USED_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_REMAINING_FIELD_NUMBER: _ClassVar[int]
    DAILY_RESET_TIME_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_RESET_TIME_FIELD_NUMBER: _ClassVar[int]
    currency_code: str
    daily_limit: _money_pb2.Money
    daily_used: _money_pb2.Money
    daily_remaining: _money_pb2.Money
    monthly_limit: _money_pb2.Money
    monthly_used: _money_pb2.Money
    monthly_remaining: _money_pb2.Money
    daily_reset_time: _timestamp_pb2.Timestamp
    monthly_reset_time: _timestamp_pb2.Timestamp
    def __init__(self, currency_code: _Optional[str] = ..., daily_limit: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., daily_used: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., daily_remaining: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., monthly_limit: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., monthly_used: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., monthly_remaining: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., daily_reset_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., monthly_reset_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetLimitsRequest(_message.Message):
    __slots__ = ("currency_code",)
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    currency_code: str
    def __init__(self, currency_code: _Optional[str] = ...) -> None: ...

class GetLimitsResponse(_message.Message):
    __slots__ = ("limits",)
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    limits: LimitUsage
    def __init__(self, limits: _Optional[_Union[LimitUsage, _Mapping]] = ...) -> None: ...
