"""What an audit record reads from a call's messages: the resource a request is about, a creation's
new resource, and the request's fields as details (never a secret)."""

from __future__ import annotations

import re
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from server.domain.audit import DETAIL_VALUE_LENGTH

# A safety net under debug_redact: a field named like a secret is never recorded either.
_SECRET_NAME = re.compile(r"password|secret|token|credential", re.IGNORECASE)
_FIELD_MASK = "google.protobuf.FieldMask"
REASON = "reason"  # details["reason"]: the ErrorInfo reason of a failure
_RECORD_KEYS = frozenset({REASON})


def _redacted(field: FieldDescriptor) -> bool:
    return field.GetOptions().debug_redact or bool(_SECRET_NAME.search(field.name))


def _scalar_text(field: FieldDescriptor, value: Any) -> str | None:
    """How a top-level field's value appears in the details; None leaves it out."""
    if _redacted(field) or field.type == FieldDescriptor.TYPE_BYTES or field.is_repeated:
        return None
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        if field.message_type is not None and field.message_type.full_name == _FIELD_MASK:
            return ",".join(value.paths)  # which fields an update changes
        return None
    if field.type == FieldDescriptor.TYPE_ENUM:
        named = field.enum_type.values_by_number.get(value) if field.enum_type is not None else None
        return named.name if named is not None else str(value)
    if field.type == FieldDescriptor.TYPE_BOOL:
        return "true" if value else "false"
    return str(value)


def _resource_in(message: Message) -> tuple[str, str] | None:
    for field, value in message.ListFields():
        if (
            field.name.endswith("_id")
            and len(field.name) > 3
            and not field.is_repeated
            and field.type != FieldDescriptor.TYPE_MESSAGE
            and not _redacted(field)
        ):
            return field.name.removesuffix("_id"), str(value)
    return None


def resource_of(request: Message) -> tuple[str, str]:
    """(type, id) of the first set ``<x>_id`` field, at the top level or else one level down
    (UpdateUser's ``user.user_id``); ("", "") when there is none."""
    found = _resource_in(request)
    if found is None:
        for field, value in request.ListFields():
            if field.type == FieldDescriptor.TYPE_MESSAGE and not field.is_repeated:
                found = _resource_in(value)
                if found is not None:
                    break
    return found or ("", "")


def created_resource(method: str, request: object, response: object) -> tuple[str, str] | None:
    """(type, id) of the resource a successful creation made: the response's own resource (a field
    ``<x>`` holding ``<x>_id``, as CreateTransactionResponse.transaction.transaction_id), for a
    Create* method or one whose request names no resource (Register, UploadDataset); else None."""
    creation = method.rpartition("/")[2].startswith("Create") or not (
        isinstance(request, Message) and any(resource_of(request))
    )
    if not creation or not isinstance(response, Message):
        return None
    for field, value in response.ListFields():
        if field.type != FieldDescriptor.TYPE_MESSAGE or field.is_repeated:
            continue
        own_id = value.DESCRIPTOR.fields_by_name.get(field.name + "_id")
        if own_id is not None and own_id.type == FieldDescriptor.TYPE_STRING and getattr(value, own_id.name):
            return field.name, getattr(value, own_id.name)
    return None


def details_of(request: Message) -> dict[str, str]:
    """The request's set top-level scalar fields, as text cut to 200 characters; no secrets, no bytes.
    A field named like a key the record sets itself (``reason``) is kept as ``request_<name>``."""
    details: dict[str, str] = {}
    for field, value in request.ListFields():
        text = _scalar_text(field, value)
        if text is not None:
            key = f"request_{field.name}" if field.name in _RECORD_KEYS else field.name
            details[key] = text[:DETAIL_VALUE_LENGTH]
    return details
