"""Snapshot files: recorded HTTP exchanges that the client can replay.

One directory per source::

    <dir>/exchanges.jsonl        one JSON object per HTTP hop, in the order they happened
    <dir>/bodies/<sha256>.<ext>  the response body, byte for byte as received

Each exchange line holds ``key`` (see :func:`request_key`), ``method``, ``url``, ``form``
(significant POST fields), ``request_cookies`` (names the request carried), ``status``,
``headers`` (the few that matter), ``body`` (path relative to the directory), ``sha256``,
``size`` and ``fetched_at`` (UTC, ISO 8601).

Several lines with the same key are a *sequence*: replay serves them in order (a 429 and
then a 200, say) and repeats the last one. The raw store uses the same format, so any raw
store directory can be replayed to re-parse without fetching.

Safety: a body name must be ``bodies/<64 hex>.<ext>``, the hex being the exchange's ``sha256``
(:func:`body_file` refuses anything else, so a tampered index cannot read ``../``). Writers use unique temporary names and append each index line with one locked
``write``, so several processes can write into one directory at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

try:  # POSIX: an advisory lock keeps concurrent index appends whole
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

# Response headers worth keeping: they change what the client does or what a reader learns.
KEPT_HEADERS = ("content-type", "location", "retry-after", "set-cookie", "content-encoding")

# Form fields that never identify a request: ASP.NET state blobs and per-session tokens.
DEFAULT_IGNORED_FORM_FIELDS = (
    r"^__VIEWSTATE.*$",
    r"^__EVENTVALIDATION$",
    r"^__EVENTARGUMENT$",
    r"^__LASTFOCUS$",
    r"^.*HiddenField$",
    r"^_token$",
)

#: The only body names an index may point at.
BODY_PATH_RE = re.compile(r"bodies/(?P<sha256>[0-9a-f]{64})\.(?P<ext>[a-z0-9]{1,8})")


class SnapshotError(ValueError):
    """A snapshot or raw-store directory that cannot be trusted (bad index line, body name...)."""


class UnsafeBodyPathError(SnapshotError):
    """An index entry names a body that is not ``bodies/<sha256>.<ext>``."""


def body_file(root: Path, rel: str, sha256: str | None = None) -> Path:
    """The path of the body ``rel`` under ``root``, refusing anything but ``bodies/<sha>.<ext>``.

    With ``sha256``, the name must also carry that hash. Use this wherever an index entry or a
    state file is turned into a path.
    """
    m = BODY_PATH_RE.fullmatch(rel) if isinstance(rel, str) else None
    if m is None:
        raise UnsafeBodyPathError(
            f"body name {str(rel)[:120]!r} under {root} is not bodies/<sha256>.<ext>"
        )
    if sha256 is not None and m["sha256"] != sha256:
        raise UnsafeBodyPathError(
            f"body name {rel!r} under {root} does not match its sha256 {str(sha256)[:80]!r}"
        )
    return Path(root) / "bodies" / f"{m['sha256']}.{m['ext']}"


_EXT_BY_TYPE = {"json": "json", "html": "html", "xml": "xml", "csv": "csv", "text/plain": "txt"}


def normalise_url(url: str, drop_params: tuple[str, ...] = ()) -> str:
    """Scheme and host lower-cased, query parameters sorted, secrets dropped."""
    parts = urlsplit(url)
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in drop_params
    )
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query), ""))


def significant_form(
    body: bytes | str | None, ignored: tuple[str, ...] = DEFAULT_IGNORED_FORM_FIELDS
) -> dict[str, str]:
    """The POST form fields that identify a request (not ``__VIEWSTATE`` and friends)."""
    if not body:
        return {}
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    patterns = [re.compile(p) for p in ignored]
    fields = {}
    for name, value in parse_qsl(text, keep_blank_values=True):
        if any(p.match(name) for p in patterns):
            continue
        fields[name] = value
    return dict(sorted(fields.items()))


def request_key(
    method: str,
    url: str,
    form: dict[str, str] | None = None,
    drop_params: tuple[str, ...] = (),
) -> str:
    """The identity of a request in a snapshot: method + normalised URL + significant form."""
    key = f"{method.upper()} {normalise_url(url, drop_params)}"
    if form:
        key += " " + urlencode(sorted(form.items()))
    return key


def _ext_for(content_type: str) -> str:
    for marker, ext in _EXT_BY_TYPE.items():
        if marker in content_type:
            return ext
    return "bin"


@dataclass
class Exchange:
    key: str
    method: str
    url: str
    status: int
    headers: dict[str, str]
    body_path: str | None
    sha256: str
    size: int
    fetched_at: str
    form: dict[str, str] = field(default_factory=dict)
    request_cookies: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(
            {
                "key": self.key,
                "method": self.method,
                "url": self.url,
                "form": self.form,
                "request_cookies": self.request_cookies,
                "status": self.status,
                "headers": self.headers,
                "body": self.body_path,
                "sha256": self.sha256,
                "size": self.size,
                "fetched_at": self.fetched_at,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_dict(cls, d: dict) -> Exchange:
        return cls(
            key=d["key"],
            method=d["method"],
            url=d["url"],
            status=int(d["status"]),
            headers=d.get("headers") or {},
            body_path=d.get("body"),
            sha256=d.get("sha256", ""),
            size=int(d.get("size", 0)),
            fetched_at=d.get("fetched_at", ""),
            form=d.get("form") or {},
            request_cookies=d.get("request_cookies") or [],
        )


def kept_headers(headers: httpx.Headers) -> dict[str, str]:
    out = {}
    for name in KEPT_HEADERS:
        values = headers.get_list(name)
        if values:
            out[name] = values[0] if len(values) == 1 else "\n".join(values)
    return out


class SnapshotWriter:
    """Appends exchanges to a snapshot directory (record mode and the raw store)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()

    def write(
        self,
        *,
        key: str,
        method: str,
        url: str,
        form: dict[str, str],
        request_cookies: list[str],
        status: int,
        headers: dict[str, str],
        content: bytes,
        fetched_at: str,
    ) -> Exchange:
        sha = hashlib.sha256(content).hexdigest()
        ext = _ext_for(headers.get("content-type", ""))
        rel = f"bodies/{sha}.{ext}"
        with self._lock:
            target = body_file(self.root, rel, sha)
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                _write_atomically(target, content)
            ex = Exchange(
                key=key,
                method=method,
                url=url,
                status=status,
                headers=headers,
                body_path=rel,
                sha256=sha,
                size=len(content),
                fetched_at=fetched_at,
                form=form,
                request_cookies=request_cookies,
            )
            _append_line(self.root / "exchanges.jsonl", ex.to_json())
        return ex


def _write_atomically(target: Path, content: bytes) -> None:
    """Write ``target`` through a temp file no other process or thread can share."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_bytes(content)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _append_line(index: Path, line: str) -> None:
    """Append one whole line (one ``write`` under an exclusive lock) to an index file."""
    data = (line + "\n").encode("utf-8")
    fd = os.open(index, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)  # closing releases the lock


class SnapshotReader:
    """Loads a snapshot directory and serves its exchanges by request key."""

    def __init__(self, root: Path, prefer: str = "sequence") -> None:
        self.root = Path(root)
        self.prefer = prefer
        self._by_key: dict[str, list[Exchange]] = defaultdict(list)
        self._served: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        index = self.root / "exchanges.jsonl"
        if index.exists():
            for n, line in enumerate(index.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    ex = Exchange.from_dict(json.loads(line))
                    if ex.body_path is not None:
                        body_file(self.root, ex.body_path, ex.sha256 or None)
                except UnsafeBodyPathError as exc:
                    raise UnsafeBodyPathError(f"snapshot {index}: line {n}: {exc}") from None
                except (ValueError, KeyError, TypeError, AttributeError) as exc:
                    raise SnapshotError(
                        f"snapshot {index}: line {n} is not a valid exchange: {exc}"
                    ) from None
                self._by_key[ex.key].append(ex)

    def __contains__(self, key: str) -> bool:
        return key in self._by_key

    def keys(self) -> list[str]:
        return list(self._by_key)

    def next_for(self, key: str) -> Exchange | None:
        seq = self._by_key.get(key)
        if not seq:
            return None
        if self.prefer == "latest":
            return seq[-1]
        with self._lock:
            i = self._served[key]
            self._served[key] = i + 1
        return seq[min(i, len(seq) - 1)]

    def body(self, ex: Exchange) -> bytes:
        """The body of ``ex``; refuses a name that is not ``bodies/<its sha256>.<ext>``.

        The content is not re-hashed: tests and tools edit recorded bodies in place to stage
        faults, and a body that changed is still a body of this directory.
        """
        if not ex.body_path:
            return b""
        return body_file(self.root, ex.body_path, ex.sha256 or None).read_bytes()
