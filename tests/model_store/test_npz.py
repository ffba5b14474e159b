from __future__ import annotations

import io
import zipfile

import numpy as np
import numpy.typing as npt
import pytest

from model_store.npz import read_npy, read_npz, write_npy, write_npz

ARRAYS = [
    np.arange(7, dtype=np.float32),
    np.array(5, dtype=np.int32),  # 0-d, as a request's horizon
    np.zeros(0, dtype=np.float64),
    np.arange(24, dtype=np.float32).reshape(2, 4, 3),
    np.arange(12, dtype=np.float32).reshape(3, 4)[:, ::2],  # not contiguous
    np.arange(12, dtype=np.float32).reshape(3, 4).T,  # Fortran order
    np.array([1, 2], dtype=">i8"),  # big-endian: written little-endian
    np.array([True, False]),
    np.array([1 + 2j], dtype=np.complex64),
]


def _numpy_npy(array: npt.NDArray[np.generic]) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


@pytest.mark.parametrize("array", ARRAYS, ids=lambda a: f"{a.dtype.str}{a.shape}")
def test_npy_is_the_format_numpy_reads_and_writes(array: npt.NDArray[np.generic]) -> None:
    ours = write_npy(array)
    back = np.load(io.BytesIO(ours), allow_pickle=False)
    assert back.shape == array.shape and back.dtype == array.dtype.newbyteorder("<")
    np.testing.assert_array_equal(back, array)
    for payload in (ours, _numpy_npy(array)):
        read = read_npy(payload)
        assert read.shape == array.shape
        np.testing.assert_array_equal(read, array)


def test_plain_npy_files_are_read_in_place() -> None:
    payload = _numpy_npy(np.ones((4, 12, 3), np.float32))
    assert not read_npy(payload).flags.writeable  # a view of the payload, not numpy.load's copy
    # A layout numpy.load must read: Fortran order on the wire.
    fortran = np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3))
    read = read_npy(_numpy_npy(fortran))
    np.testing.assert_array_equal(read, fortran)


def test_npy_data_that_disagrees_with_its_header_is_refused() -> None:
    payload = write_npy(np.ones(8, np.float32))
    with pytest.raises(ValueError, match="header says 32"):
        read_npy(payload[:-4])
    with pytest.raises(ValueError):
        read_npy(b"\x93NUMPY\x01\x00")
    with pytest.raises(ValueError):
        read_npy(b"not an array")


REQUEST = {
    "values": np.arange(10, dtype=np.float32),
    "lengths": np.array([6, 4], np.int32),
    "horizon": np.array(3, np.int32),
    "quantiles": np.array([0.1, 0.5, 0.9]),
}


def _same(found: dict[str, npt.NDArray[np.generic]]) -> None:
    assert found.keys() == REQUEST.keys()
    for name, array in REQUEST.items():
        assert found[name].shape == array.shape and found[name].dtype == array.dtype
        np.testing.assert_array_equal(found[name], array)


def test_npz_is_an_archive_numpy_and_zipfile_read() -> None:
    ours = write_npz(REQUEST)
    with zipfile.ZipFile(io.BytesIO(ours)) as archive:
        assert archive.testzip() is None  # every member's CRC holds
        assert archive.namelist() == [f"{name}.npy" for name in REQUEST]
    with np.load(io.BytesIO(ours), allow_pickle=False) as loaded:
        _same({name: loaded[name] for name in loaded.files})
    _same(read_npz(ours))


def test_npz_reads_what_numpy_writes() -> None:
    buffer = io.BytesIO()
    np.savez(buffer, **REQUEST)  # type: ignore[arg-type]
    found = read_npz(buffer.getvalue())
    _same(found)
    assert not found["values"].flags.writeable  # read in place
    compressed = io.BytesIO()
    np.savez_compressed(compressed, **REQUEST)  # type: ignore[arg-type]
    _same(read_npz(compressed.getvalue()))  # by numpy.load


def test_damaged_archives_are_refused() -> None:
    payload = bytearray(write_npz(REQUEST))
    at = payload.index(np.arange(10, dtype=np.float32).tobytes()) + 5
    payload[at] ^= 0xFF
    with pytest.raises(ValueError, match=r"values\.npy fails its CRC check"):
        read_npz(bytes(payload))
    whole = write_npz(REQUEST)
    for damaged in (whole[:-7], whole[: len(whole) // 2], b"", b"PK\x05\x06"):
        with pytest.raises((ValueError, zipfile.BadZipFile, EOFError, OSError)):
            read_npz(damaged)
    with pytest.raises(ValueError, match=r"not an \.npz"):
        read_npz(write_npy(np.ones(3, np.float32)))
