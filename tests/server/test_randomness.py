"""Random identifiers: unpredictable bytes, read from the system in chunks, never repeated across a fork."""

from __future__ import annotations

import os
import threading
import uuid

import pytest

from server import randomness
from server.randomness import random_bytes, random_hex, random_uuid


def test_identifiers_have_their_formats_and_do_not_repeat() -> None:
    uuids = [random_uuid() for _ in range(5000)]
    hexes = [random_hex() for _ in range(5000)]

    assert len(set(uuids)) == len(uuids) and len(set(hexes)) == len(hexes)
    for text in uuids[:50]:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122
    assert all(len(h) == 32 and int(h, 16) >= 0 for h in hexes)


@pytest.mark.parametrize(
    "raw",
    [bytes(16), b"\xff" * 16, bytes(range(16)), bytes.fromhex("b9d9ce571d9d49f45eac16f60a64b4c6")],
    ids=["zeros", "ones", "counting", "arbitrary"],
)
def test_a_uuid_is_the_standard_library_s_version_4_uuid_of_its_bytes(
    monkeypatch: pytest.MonkeyPatch, raw: bytes
) -> None:
    monkeypatch.setattr(randomness, "random_bytes", lambda count: raw[:count])
    assert random_uuid() == str(uuid.UUID(bytes=raw, version=4))


def test_bytes_come_from_the_system_a_chunk_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []
    real = os.urandom

    def counting(n: int) -> bytes:
        reads.append(n)
        return real(n)

    monkeypatch.setattr(randomness, "_SOURCE", randomness._RandomBytes())
    monkeypatch.setattr(randomness.os, "urandom", counting)
    taken = [random_bytes(16) for _ in range(600)]

    assert reads == [4096] * 3  # 256 ids of 16 bytes per read
    assert len(set(taken)) == 600
    with pytest.raises(ValueError):
        random_bytes(0)
    with pytest.raises(ValueError):
        random_bytes(4097)


def test_threads_never_share_bytes() -> None:
    found: list[list[str]] = [[] for _ in range(4)]

    def work(out: list[str]) -> None:
        out.extend(random_hex() for _ in range(3000))

    threads = [threading.Thread(target=work, args=(out,)) for out in found]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [h for out in found for h in out]
    assert len(set(every)) == len(every) == 12_000


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_does_not_hand_out_its_parents_bytes() -> None:
    random_hex()  # the parent has a chunk in hand
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its next ids and leave at once
        os.close(read)
        os.write(write, "".join(random_hex() for _ in range(8)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = pipe.read()
    os.waitpid(pid, 0)
    parent = "".join(random_hex() for _ in range(8))

    assert len(child) == len(parent) == 8 * 32
    assert {child[i : i + 32] for i in range(0, 256, 32)}.isdisjoint(
        {parent[i : i + 32] for i in range(0, 256, 32)}
    )
