"""Publishing copies the writer file byte for byte, with or without O_DIRECT, and reports how
long each phase took."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from warehouse.store import WarehouseStore, copy_for_publish


def _random_file(path: Path, size: int) -> bytes:
    data = os.urandom(size)
    path.write_bytes(data)
    return data


@pytest.mark.parametrize("size", [0, 4096, 3 * (8 << 20), 3 * (8 << 20) + 12_345, 777])
def test_the_copy_is_byte_for_byte_whatever_the_size(tmp_path, size):
    data = _random_file(tmp_path / "src", size)
    copy_for_publish(tmp_path / "src", tmp_path / "dst")
    assert (tmp_path / "dst").read_bytes() == data


@pytest.mark.parametrize("refused_at", ["open", "write"])
def test_the_copy_works_where_o_direct_is_refused(tmp_path, monkeypatch, refused_at):
    """Some file systems refuse O_DIRECT when the file is opened, others on the first write."""
    real_open, real_pwritev = os.open, os.pwritev

    def fake_open(path, flags, *args):
        if refused_at == "open" and flags & getattr(os, "O_DIRECT", 0):
            raise OSError(22, "Invalid argument")
        return real_open(path, flags, *args)

    def fake_pwritev(fd, buffers, offset):
        if refused_at == "write":
            raise OSError(22, "Invalid argument")
        return real_pwritev(fd, buffers, offset)

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "pwritev", fake_pwritev)
    data = _random_file(tmp_path / "src", (8 << 20) + 100)
    copy_for_publish(tmp_path / "src", tmp_path / "dst")
    assert (tmp_path / "dst").read_bytes() == data


def test_publish_gives_a_reader_equal_to_the_writer_and_its_timings(tmp_path):
    store = WarehouseStore(tmp_path / "w.duckdb", tmp_path / "r.duckdb")
    store.execute_script("CREATE TABLE t AS SELECT range AS x FROM range(100000)")
    timings: dict[str, float] = {}
    store.publish(timings=timings)
    assert set(timings) == {"checkpoint", "copy", "fsync", "rename"}
    assert store.reader_path.read_bytes() == store.path.read_bytes()
    con = duckdb.connect(str(store.reader_path), read_only=True)
    try:
        assert con.execute("SELECT count(*), sum(x) FROM t").fetchone() == (100000, 4999950000)
    finally:
        con.close()
    assert not list(tmp_path.glob(".r.duckdb.*.tmp"))
