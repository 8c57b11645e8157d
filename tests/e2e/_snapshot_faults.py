"""Copy a bundled snapshot and change what one request answers: the faults of issue 9, replayed
through the real client and assets."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


class FaultySnapshot:
    """A writable copy of ``snapshot/`` whose exchanges can be rewritten."""

    def __init__(self, dest: Path, sources: tuple[str, ...] = ("pib", "comtrade", "comtrade_ref")):
        self.root = dest
        for src in sources:
            shutil.copytree(REPO / "snapshot" / src, dest / src)

    def _lines(self, source: str) -> list[dict]:
        path = self.root / source / "exchanges.jsonl"
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    def _save(self, source: str, lines: list[dict]) -> None:
        path = self.root / source / "exchanges.jsonl"
        path.write_text(
            "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in lines), encoding="utf-8"
        )

    def body(self, source: str, match: Callable[[dict], bool]) -> bytes:
        ex = next(d for d in self._lines(source) if match(d))
        return (self.root / source / ex["body"]).read_bytes()

    def rewrite_body(
        self, source: str, match: Callable[[dict], bool], change: Callable[[bytes], bytes]
    ) -> int:
        """Replace the body of every matching exchange by ``change(body)``; returns how many."""
        lines, n = self._lines(source), 0
        for d in lines:
            if not match(d) or not d.get("body"):
                continue
            new = change((self.root / source / d["body"]).read_bytes())
            sha = hashlib.sha256(new).hexdigest()
            ext = d["body"].rsplit(".", 1)[-1]
            (self.root / source / "bodies" / f"{sha}.{ext}").write_bytes(new)
            d.update(body=f"bodies/{sha}.{ext}", sha256=sha, size=len(new))
            n += 1
        self._save(source, lines)
        return n

    def answer_status(self, source: str, match: Callable[[dict], bool], status: int) -> int:
        """Every matching request answers ``status`` with an empty body (retries included)."""
        lines, n = self._lines(source), 0
        for d in lines:
            if match(d):
                empty = hashlib.sha256(b"").hexdigest()
                (self.root / source / "bodies" / f"{empty}.html").write_bytes(b"")
                d.update(status=status, body=f"bodies/{empty}.html", sha256=empty, size=0)
                d["headers"] = {"content-type": "text/html"}
                n += 1
        self._save(source, lines)
        return n


def listing_post(day: int) -> Callable[[dict], bool]:
    return lambda d: (
        d["method"] == "POST" and d["form"].get("ctl00$ContentPlaceHolder1$ddlday") == str(day)
    )


def release_get(prid: int) -> Callable[[dict], bool]:
    return lambda d: d["method"] == "GET" and f"PRID={prid}&" in d["url"] + "&"
