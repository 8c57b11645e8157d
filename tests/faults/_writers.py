"""Worker for the concurrent raw-store test (imported by name in spawned processes)."""

from __future__ import annotations

from pathlib import Path

from pipelines.snapshot import SnapshotWriter


def write_many(barrier, root: str, proc: int, n: int) -> None:
    """Write ``n`` exchanges into ``root`` alongside other processes.

    Every even write is a body that all processes write at the same step, released together
    by ``barrier`` (a fresh sha256 each step: the temp-name collision case); every odd write
    is this process's own body.
    """
    writer = SnapshotWriter(Path(root))
    for i in range(n):
        if i % 2 == 0:
            barrier.wait(timeout=60)
            body = f"shared body {i}"
        else:
            body = f"body of {proc}/{i}"
        writer.write(
            key=f"GET https://pib.gov.in/p?proc={proc}&i={i}",
            method="GET",
            url=f"https://pib.gov.in/p?proc={proc}&i={i}",
            form={},
            request_cookies=[],
            status=200,
            headers={"content-type": "text/html"},
            content=body.encode() * 2000,
            fetched_at="2026-01-01T00:00:00+00:00",
        )
