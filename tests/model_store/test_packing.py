from __future__ import annotations

import io
import zipfile

import numpy as np
import numpy.typing as npt
import pytest

from model_store.npz import MAX_UNPACKED_BYTES, write_npy
from model_store.packing import (
    MAX_LEVELS,
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


@pytest.mark.parametrize("payload", [b"junk", b"", write_npy(np.arange(3.0))], ids=["text", "empty", "npy"])
def test_a_body_that_is_no_zip_is_refused_as_such(payload: bytes) -> None:
    """numpy.load reads what is neither a zip nor an .npy as a pickle, and refuses it saying so."""
    with pytest.raises(InvalidRequestError, match=r"not an \.npz archive \(a zip file\)") as refused:
        decode_request(payload)
    assert "pickle" not in str(refused.value)


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


def _archive(**arrays: npt.NDArray[np.generic]) -> bytes:
    fields: dict[str, npt.NDArray[np.generic]] = {
        "values": np.arange(60, dtype=np.float32),
        "lengths": np.array([60], np.int32),
        "horizon": np.array(6, np.int32),
        "quantiles": np.array([0.1, 0.9]),
    }
    buffer = io.BytesIO()
    np.savez(buffer, **{**fields, **arrays})  # type: ignore[arg-type]  # numpy's writer takes text
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("arrays", "match"),
    [
        # int32 would read 2**32 + 30 as 30: two series of 30 values, not the request sent
        ({"lengths": np.array([2**32 + 30, 2**32 + 30], np.int64)}, "every length must be between"),
        ({"lengths": np.array([2**63 + 60], np.uint64)}, "every length must be between"),
        ({"last_timestamps": np.array([2**64 - 1], np.uint64)}, "int64 nanoseconds"),  # not 1969
        ({"quantiles": np.array([0.1 + 0.5j])}, "real numbers"),  # not 0.1
        ({"quantiles": np.array(["0.1"])}, "real numbers"),
        ({"horizon": np.array(10**9, np.int64)}, "above the limit"),
        ({"horizon": np.array([6, 7], np.int32)}, "one integer"),
        ({"quantiles": np.linspace(0.001, 0.999, MAX_LEVELS + 1)}, "100 quantile levels are above the limit"),
    ],
    ids=[
        "lengths-int64",
        "lengths-uint64",
        "stamps-uint64",
        "quantiles-complex",
        "quantiles-text",
        "horizon-huge",
        "horizon-two",
        "quantiles-too-many",
    ],
)
def test_requests_are_refused_rather_than_misread(
    arrays: dict[str, npt.NDArray[np.generic]], match: str
) -> None:
    with pytest.raises(InvalidRequestError, match=match):
        decode_request(_archive(**arrays))


def test_a_horizon_sent_as_one_element_array_is_read() -> None:
    """``np.savez(horizon=[6])`` as much as ``horizon=6``: int() of a 1-d array is a TypeError."""
    assert decode_request(_archive(horizon=np.array([6], np.int64))).horizon == 6
    assert decode_request(_archive(horizon=np.array([[6]], np.uint8))).horizon == 6


def test_an_archive_member_that_is_not_npy_is_refused() -> None:
    """numpy.load hands such a member over as bytes, which have no ``ndim``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, array in {"lengths": np.array([2], np.int32), "horizon": np.array(1, np.int32)}.items():
            archive.writestr(f"{name}.npy", write_npy(array))
        archive.writestr("quantiles.npy", write_npy(np.array([0.5])))
        archive.writestr("values", b"\x00" * 8)
    with pytest.raises(InvalidRequestError, match=r"'values' is not a \.npy file"):
        decode_request(buffer.getvalue())


def test_a_compressed_archive_that_unpacks_past_the_body_limit_is_refused() -> None:
    """A few hundred kilobytes of compressed zeros would otherwise fill a worker's memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("values.npy", write_npy(np.zeros(MAX_UNPACKED_BYTES // 4 + 1, np.float32)))
    assert len(buffer.getvalue()) < 1_000_000
    with pytest.raises(InvalidRequestError, match="unpacks to"):
        decode_request(buffer.getvalue())
    small = io.BytesIO()
    np.savez_compressed(
        small,
        values=np.arange(12, dtype=np.float32),
        lengths=np.array([12], np.int32),
        horizon=np.array(3, np.int32),
        quantiles=np.array([0.5]),
    )
    assert decode_request(small.getvalue()).values.size == 12
