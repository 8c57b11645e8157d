"""Raw store and snapshot files under concurrency and tampering."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from pathlib import Path

import pytest

from pipelines.http import CorruptSnapshotError, Mode, SourceClient, SourcePolicy
from pipelines.snapshot import (
    SnapshotError,
    SnapshotReader,
    SnapshotWriter,
    UnsafeBodyPathError,
    body_file,
)
from tests.faults._writers import write_many

PROCS, WRITES = 4, 120
POLICY = SourcePolicy(name="pib", allowed_hosts=frozenset({"pib.gov.in"}))


def test_four_processes_writing_one_raw_store_lose_nothing(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCS)
    procs = [
        ctx.Process(target=write_many, args=(barrier, str(tmp_path), p, WRITES))
        for p in range(PROCS)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * PROCS  # no FileNotFoundError in any writer

    lines = (tmp_path / "exchanges.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == PROCS * WRITES  # every index line whole and present
    reader = SnapshotReader(tmp_path)
    assert len(reader.keys()) == PROCS * WRITES
    for key in list(reader.keys()):
        ex = reader.next_for(key)
        assert hashlib.sha256(reader.body(ex)).hexdigest() == ex.sha256
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]


def _store_with_one_body(root: Path) -> dict:
    SnapshotWriter(root).write(
        key="GET https://pib.gov.in/r?a=1",
        method="GET",
        url="https://pib.gov.in/r?a=1",
        form={},
        request_cookies=[],
        status=200,
        headers={"content-type": "text/html"},
        content=b"<html>release</html>",
        fetched_at="2026-01-01T00:00:00+00:00",
    )
    return json.loads((root / "exchanges.jsonl").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "body",
    [
        "../../outside.html",
        "bodies/../../outside.html",
        "/etc/passwd",
        "bodies/" + "0" * 63 + ".html",  # not 64 hex digits
        "bodies/" + "A" * 64 + ".html",  # upper case is not how the writer names bodies
        "bodies/" + "ab" * 32 + ".html",  # a sha256 that is not this exchange's
        "bodies/" + "ab" * 32 + "/../x.html",
        7,
    ],
)
def test_tampered_index_is_refused_naming_the_line(tmp_path, body):
    entry = _store_with_one_body(tmp_path)
    entry["body"] = body
    (tmp_path / "exchanges.jsonl").write_text(json.dumps(entry) + "\n", encoding="utf-8")
    with pytest.raises(SnapshotError) as err:
        SnapshotReader(tmp_path)
    assert "line 1" in str(err.value)
    with pytest.raises(UnsafeBodyPathError if isinstance(body, str) else SnapshotError):
        SourceClient(POLICY, Mode.REPLAY, snapshot_dir=tmp_path)


def test_body_file_accepts_only_sha256_names(tmp_path):
    sha = "ab" * 32
    assert body_file(tmp_path, f"bodies/{sha}.json", sha) == tmp_path / "bodies" / f"{sha}.json"
    with pytest.raises(UnsafeBodyPathError):
        body_file(tmp_path, f"bodies/{sha}.json", "cd" * 32)
    with pytest.raises(UnsafeBodyPathError):
        body_file(tmp_path, "bodies/../../etc/passwd")


def test_replay_of_a_missing_body_is_a_typed_error(tmp_path):
    entry = _store_with_one_body(tmp_path)
    (tmp_path / entry["body"]).unlink()
    client = SourceClient(POLICY, Mode.REPLAY, snapshot_dir=tmp_path)
    with client, pytest.raises(CorruptSnapshotError) as err:
        client.get("https://pib.gov.in/r?a=1")
    assert "https://pib.gov.in/r?a=1" in str(err.value) and "[pib]" in str(err.value)
