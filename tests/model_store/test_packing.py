from __future__ import annotations

import numpy as np
import pytest

from model_store.packing import (
    PackedRequest,
    decode_request,
    decode_response,
    encode_request,
    encode_response,
)
from training.errors import InvalidRequestError


def test_request_round_trip() -> None:
    stamps = np.array(["2020-01-01", "2021-06-01"], dtype="datetime64[D]")
    request = PackedRequest(
        np.arange(7, dtype=np.float32), np.array([4, 3], np.int32), 5, (0.1, 0.5, 0.9), stamps
    )
    back = decode_request(encode_request(request))
    np.testing.assert_array_equal(back.values, request.values)
    np.testing.assert_array_equal(back.lengths, request.lengths)
    assert (back.horizon, back.quantiles) == (5, (0.1, 0.5, 0.9))
    assert back.last_timestamps is not None
    np.testing.assert_array_equal(back.last_timestamps, stamps.astype("datetime64[ns]"))


def test_response_round_trip() -> None:
    point = np.ones((2, 3), np.float32)
    q = np.stack([point - 1, point + 1], axis=-1)
    p2, q2 = decode_response(encode_response(point, q))
    np.testing.assert_array_equal(p2, point)
    np.testing.assert_array_equal(q2, q)


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        (b"not a zip", "not a packed"),
        (encode_request(PackedRequest(np.ones(3, np.float32), np.array([], np.int32), 1, (0.5,))), "lengths"),
    ],
)
def test_malformed_requests_are_refused(payload: bytes, match: str) -> None:
    with pytest.raises(InvalidRequestError, match=match):
        decode_request(payload)


def test_missing_arrays_are_named() -> None:
    import io

    buffer = io.BytesIO()
    np.savez(buffer, values=np.ones(2, np.float32))
    with pytest.raises(InvalidRequestError, match="horizon, lengths, quantiles"):
        decode_request(buffer.getvalue())


def test_requests_are_read_across_versions() -> None:
    """An archive built by an earlier release reads requests with numpy.load, and a server of an
    earlier release sends numpy.savez archives: both must keep working."""
    import io

    request = PackedRequest(np.arange(5, dtype=np.float32), np.array([2, 3], np.int32), 4, (0.25, 0.75))
    with np.load(io.BytesIO(encode_request(request)), allow_pickle=False) as archive:
        np.testing.assert_array_equal(archive["values"], request.values)
        assert int(archive["horizon"]) == 4
    buffer = io.BytesIO()
    np.savez(
        buffer,
        values=request.values,
        lengths=request.lengths,
        horizon=np.asarray(4, np.int32),
        quantiles=np.asarray(request.quantiles),
    )
    back = decode_request(buffer.getvalue())
    np.testing.assert_array_equal(back.values, request.values)
    assert back.values.flags.writeable  # the model may work in place on what it is given
    assert (back.horizon, back.quantiles) == (4, (0.25, 0.75))
