"""The ``.npy`` arrays and ``.npz`` archives of the packed layout, written and read directly.

``numpy.savez`` builds an archive through ``zipfile``, one Python-level member at a time, and
``numpy.load`` parses every array's header with ``ast.literal_eval``. On 1,024 series that was
about 270 µs to write a request, 500 µs to read it, 250 µs to write the answer and 110 µs to read
it, paid on the server's event loop and in TorchServe's workers for every forward pass. The
formats here are the same ones (numpy reads what this writes, and this reads what numpy writes):
an archive of uncompressed ("stored") members, each a version 1.0 ``.npy`` file of a numeric
dtype in C order. They are laid out and parsed with ``struct`` and one regular expression.
Anything else that is still a valid file (a compressed archive, another header version or
layout) is handed to ``numpy.load``; what is not a valid file raises ``ValueError``.
"""

from __future__ import annotations

import io
import math
import re
import struct
import zipfile
import zlib
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

NPY_MAGIC = b"\x93NUMPY"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip file's first member, or an empty archive's end
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
"""What a request may hold: TorchServe's limit on a body (model_store.torchserve_config), so a
compressed request holds no more than an uncompressed one may."""
_NPY_V1 = NPY_MAGIC + b"\x01\x00"
_HEADER_ALIGN = 64  # numpy pads the header so that the data starts on a 64-byte boundary
# A header as numpy writes one for a C-ordered array of a plain dtype.
_HEADER = re.compile(
    rb"\{'descr': '([<|][bifuc]\d+)', 'fortran_order': False, 'shape': \(([\d, ]*)\), \} *\n"
)

# Zip records (APPNOTE.TXT 4.3): a local file header before each member's bytes, a central
# directory entry for each member, and the end of the central directory.
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")


class _Entry(NamedTuple):
    """A central directory entry, as _CENTRAL lays it out."""

    signature: int
    made_by: int
    needs: int
    flags: int
    method: int
    time: int
    date: int
    crc: int
    packed: int
    size: int
    name_length: int
    extra_length: int
    comment_length: int
    disk: int
    internal: int
    external: int
    local: int


_END = struct.Struct("<IHHHHIIH")
_LOCAL_SIGNATURE, _CENTRAL_SIGNATURE, _END_SIGNATURE = 0x04034B50, 0x02014B50, 0x06054B50
_ZIP_VERSION = 20  # 2.0: what a stored member needs
_DOS_DATE = 0x21  # 1980-01-01, the earliest a zip entry can carry
_STORED = 0
_ZIP64_LIMIT = 0xFFFFFFFF


def npy_header(dtype: np.dtype[np.generic], shape: tuple[int, ...]) -> bytes:
    """The version 1.0 ``.npy`` header of a C-ordered array of ``dtype`` and ``shape``."""
    dims = f"{shape[0]}," if len(shape) == 1 else ", ".join(map(str, shape))
    text = f"{{'descr': '{dtype.str}', 'fortran_order': False, 'shape': ({dims}), }}"
    size = len(_NPY_V1) + 2 + len(text) + 1
    text += " " * (-size % _HEADER_ALIGN) + "\n"
    return _NPY_V1 + struct.pack("<H", len(text)) + text.encode("latin1")


def npy_parts(array: npt.NDArray[np.generic]) -> tuple[bytes, memoryview]:
    """``array`` as a ``.npy`` file in two parts, its header and its bytes (not copied)."""
    data = np.asarray(array, order="C")  # not ascontiguousarray: it makes a 0-d array 1-d
    if data.dtype.kind not in "biufc":
        raise ValueError(f"only numeric arrays are written, not {data.dtype}")
    if data.dtype.byteorder == ">":
        data = data.astype(data.dtype.newbyteorder("<"))
    return npy_header(data.dtype, data.shape), data.reshape(-1).view(np.uint8).data


def write_npy(array: npt.NDArray[np.generic]) -> bytes:
    return b"".join(npy_parts(array))


def _fast_npy(payload: bytes | memoryview) -> npt.NDArray[np.generic] | None:
    """The array of a ``.npy`` file as numpy writes a C-ordered plain one (a read-only view of
    ``payload``), or None for any other file."""
    if len(payload) < len(_NPY_V1) + 2 or bytes(payload[: len(_NPY_V1)]) != _NPY_V1:
        return None
    (size,) = struct.unpack_from("<H", payload, len(_NPY_V1))
    start = len(_NPY_V1) + 2 + size
    match = _HEADER.fullmatch(bytes(payload[len(_NPY_V1) + 2 : start]))
    if match is None:
        return None
    dtype = np.dtype(match.group(1).decode())
    shape = tuple(int(n) for n in match.group(2).split(b",") if n.strip())
    count = math.prod(shape)
    if len(payload) - start != count * dtype.itemsize:
        found, said = len(payload) - start, count * dtype.itemsize
        raise ValueError(f".npy data is {found} bytes, its header says {said}")
    return np.frombuffer(payload, dtype=dtype, count=count, offset=start).reshape(shape)


def read_npy(payload: bytes) -> npt.NDArray[np.generic]:
    """The array of a ``.npy`` file (no pickles). The array may be a read-only view of ``payload``."""
    array = _fast_npy(payload)
    if array is None:
        array = np.load(io.BytesIO(payload), allow_pickle=False)
    if not isinstance(array, np.ndarray):
        raise ValueError("not a .npy file")
    return array


def write_npz(arrays: Mapping[str, npt.NDArray[np.generic]]) -> bytes:
    """``arrays`` as an ``.npz`` archive: what ``numpy.savez(file, **arrays)`` writes, uncompressed."""
    parts: list[bytes | memoryview] = []
    directory: list[bytes] = []
    offset = 0
    for key, array in arrays.items():
        name = f"{key}.npy".encode()
        header, data = npy_parts(array)
        size = len(header) + data.nbytes
        if size >= _ZIP64_LIMIT or offset >= _ZIP64_LIMIT:
            raise ValueError("an archive of 4 GiB or more needs zip64, which is not written here")
        crc = zlib.crc32(data, zlib.crc32(header))
        fields = (_ZIP_VERSION, 0, _STORED, 0, _DOS_DATE, crc, size, size, len(name))
        parts += [_LOCAL.pack(_LOCAL_SIGNATURE, *fields, 0), name, header, data]
        entry = _CENTRAL.pack(_CENTRAL_SIGNATURE, _ZIP_VERSION, *fields, 0, 0, 0, 0, 0, offset)
        directory.append(entry + name)
        offset += _LOCAL.size + len(name) + size
    central = b"".join(directory)
    end = _END.pack(_END_SIGNATURE, 0, 0, len(directory), len(directory), len(central), offset, 0)
    return b"".join([*parts, central, end])


def _fast_npz(payload: bytes) -> dict[str, npt.NDArray[np.generic]] | None:
    """The arrays of an archive of stored, plain ``.npy`` members without a comment or zip64
    (read-only views of ``payload``), or None for any other archive."""
    if len(payload) < _END.size:
        return None
    signature, _, _, _, entries, central_size, central_offset, comment = _END.unpack_from(
        payload, len(payload) - _END.size
    )
    if signature != _END_SIGNATURE or comment or central_offset + central_size > len(payload) - _END.size:
        return None
    view = memoryview(payload)
    arrays: dict[str, npt.NDArray[np.generic]] = {}
    position = central_offset
    for _ in range(entries):
        if position + _CENTRAL.size > central_offset + central_size:
            return None
        entry = _Entry._make(_CENTRAL.unpack_from(payload, position))
        name = bytes(view[position + _CENTRAL.size : position + _CENTRAL.size + entry.name_length])
        position += _CENTRAL.size + entry.name_length + entry.extra_length + entry.comment_length
        if (
            entry.signature != _CENTRAL_SIGNATURE
            or entry.method != _STORED
            or entry.flags & 1  # encrypted
            or entry.packed != entry.size
            or _ZIP64_LIMIT in (entry.packed, entry.size, entry.local)
            or not name.endswith(b".npy")
            or entry.local + _LOCAL.size > len(payload)
        ):
            return None
        # The local header's own name and extra field lengths say where the member's bytes begin.
        signature, *_, name_length, extra_length = _LOCAL.unpack_from(payload, entry.local)
        start = entry.local + _LOCAL.size + name_length + extra_length
        if signature != _LOCAL_SIGNATURE or start + entry.size > central_offset:
            return None
        data = view[start : start + entry.size]
        if zlib.crc32(data) != entry.crc:
            raise ValueError(f"member {name.decode(errors='replace')} fails its CRC check")
        array = _fast_npy(data)
        if array is None:
            return None
        arrays[name[:-4].decode(errors="replace")] = array
    return arrays


def _check_unpacked_size(payload: bytes) -> None:
    """Refuse a compressed archive whose members unpack to more than MAX_UNPACKED_BYTES: a body
    of a few kilobytes of zeros would otherwise fill the worker's memory (zipfile stops a
    member at the size the archive declares for it)."""
    if not zipfile.is_zipfile(io.BytesIO(payload)):
        return
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        unpacked = sum(member.file_size for member in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise ValueError(
            f"the archive unpacks to {unpacked:,} bytes, above the limit of {MAX_UNPACKED_BYTES:,}"
        )


def read_npz(payload: bytes) -> dict[str, npt.NDArray[np.generic]]:
    """The arrays of an ``.npz`` archive by name (no pickles). They may be read-only views of
    ``payload``."""
    arrays = _fast_npz(payload)
    if arrays is not None:
        return arrays
    if not payload.startswith(ZIP_MAGIC):
        # numpy.load would read it as a pickle it refuses, and say so: not what the caller sent.
        raise ValueError("not an .npz archive (a zip file)")
    _check_unpacked_size(payload)
    loaded = np.load(io.BytesIO(payload), allow_pickle=False)
    with loaded:
        arrays = {name: loaded[name] for name in loaded.files}
    for name, array in arrays.items():
        if not isinstance(array, np.ndarray):  # numpy.load gives the bytes of a member not .npy
            raise ValueError(f"archive member {name!r} is not a .npy file")
    return arrays
