"""Mutated Comtrade answers for property tests and ``bench/fuzz_comtrade.py``.

Seeds are real-shaped answers: envelopes recorded in the bundled snapshot
(``snapshot/comtrade/bodies``, 47-field records in three field casings, a ``count: 0`` answer, a
429 body) and the 36 real India records of ``/work/shared/data/comtrade_real_india`` (as the
API types them, and as the all-string CSV gives them, with 4-digit aggregates and ``fobvalue``
0 vs null). Each example takes a slice of one seed and applies 1-4 mutations: keys dropped or
renamed, values replaced by wrong types, huge or non-finite numbers, nested garbage, records
duplicated or removed, ``count`` changed or dropped, the envelope broken, and byte-level damage
(truncation, non-JSON bodies, deep nesting, raw number tokens JSON cannot carry). The answer is
served through the real :class:`~assets.comtrade.client.ComtradeClient` (live mode, an
``httpx.MockTransport``, virtual clock) and its batches go through the normaliser.

:func:`outcome` returns ``"ok"`` or the typed error's class name and lets anything else
propagate: that is the property under test.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from hypothesis import strategies as st

from assets.comtrade.client import ComtradeClient, ComtradeError, ComtradeQuery
from assets.comtrade.normalise import (
    NULLABLE_FIELDS,
    RECORD_FIELDS,
    REQUIRED_FIELDS,
    TradeFlowSchema,
    WorldTotalSchema,
    normalise_batches,
)
from assets.comtrade.policy import COMTRADE_POLICY
from pipelines.http import Mode, SourceClient, SourceHTTPError, VirtualClock

REPO = Path(__file__).resolve().parents[2]
BODIES = REPO / "snapshot" / "comtrade" / "bodies"
REAL_CSV = Path("/work/shared/data/comtrade_real_india/india_imports_2504_2822_282520.csv")

TYPED = (ComtradeError, SourceHTTPError)
"""What a bad answer may raise: the Comtrade layer's errors and the HTTP client's."""

_INT_FIELDS = {
    "refPeriodId", "refYear", "refMonth", "reporterCode", "partnerCode", "partner2Code",
    "aggrLevel", "motCode", "qtyUnitCode", "altQtyUnitCode", "legacyEstimationFlag",
}  # fmt: skip
_FLOAT_FIELDS = {"qty", "altQty", "netWgt", "grossWgt", "cifvalue", "fobvalue", "primaryValue"}
_BOOL_FIELDS = {f for f in RECORD_FIELDS if f.startswith("is")}
_NEEDED_LOWER = {f.lower() for f in REQUIRED_FIELDS + NULLABLE_FIELDS}


def _typed(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row typed as the data API serves it (trade.md §1.5)."""
    out: dict[str, Any] = {}
    for k, v in row.items():
        if v == "":
            out[k] = None
        elif k in _INT_FIELDS:
            out[k] = int(v)
        elif k in _FLOAT_FIELDS:
            out[k] = float(v)
        elif k in _BOOL_FIELDS:
            out[k] = v == "True"
        else:
            out[k] = v
    return out


def _envelope(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"elapsedTime": "0.21 secs", "count": len(records), "data": records, "error": ""}


@cache
def seeds() -> tuple[str, ...]:
    """Real-shaped answers as JSON text (each parsed again per example, so never shared)."""
    out = [p.read_text(encoding="utf-8") for p in sorted(BODIES.glob("*.json"))]
    if REAL_CSV.exists():
        with REAL_CSV.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        out.append(json.dumps(_envelope([_typed(r) for r in rows])))
        out.append(json.dumps(_envelope(rows)))  # bulk-file style: every value a string
    return tuple(out)


# --------------------------------------------------------------------------- values

_RAW = "\u0000RAW:"
"""A string value replaced after serialisation by a raw token JSON cannot carry as a value."""

RAW_TOKENS = (
    "9" * 5000,  # more digits than Python's int parser accepts
    "1e400",  # parses to inf
    "-1e400",
    "NaN",
    "Infinity",
    "[" * 5000 + "]" * 5000,  # nesting deeper than the recursion limit
    "-",
    "0x10",
    "01",
    "1.",
    "true false",
)

_nested = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=4),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c, max_size=3),
    max_leaves=8,
)

garbage = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.sampled_from(
        [
            2**31,
            -(2**31) - 1,
            2**31 - 1,
            2**63,
            -(2**63) - 1,
            2**64,
            10**30,
            127,
            128,
            255,
            256,
            -1,
            0,
            1962,
            2101,
            52,
            13,
        ]
    ),  # fmt: skip
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "1e999",
            "-0",
            "NaN",
            "inf",
            "9" * 400,
            "0x1F",
            "１２",
            "١٢",
            "283691",
            "2504",
            "TOTAL",
            "52",
            "2021",
            "H5",
            "HS2017",
            "M",
            "X",
            "RX",
            "A",
            "null",
            "true",
            "True",
            "1_000",
            "12.5",
            "-5",
            "  7  ",
        ]  # fmt: skip
    ),
    _nested,
    st.sampled_from(RAW_TOKENS).map(lambda t: _RAW + t),
)

_renamed = st.one_of(
    st.sampled_from(
        [
            "netWeight",
            "net_wgt",
            "NetWgt ",
            "primary_value",
            "cifValueUSD",
            "cmd",
            "partner",
            "period_",
            "refyear2",
            "flow",
        ]
    ),  # fmt: skip
    st.text(min_size=1, max_size=10),
)


# --------------------------------------------------------------------------- mutations


@dataclass
class Answer:
    """One mutated answer: HTTP status, body bytes and what was done to it."""

    status: int
    body: bytes
    steps: list[str]


def _record_mutation(draw: st.DrawFn, data: list[Any], steps: list[str]) -> None:
    if not data or not isinstance(data[0], dict):
        return
    i = draw(st.integers(0, len(data) - 1))
    rec = data[i]
    if not isinstance(rec, dict) or not rec:
        return
    keys = list(rec)
    kind = draw(st.sampled_from(["value"] * 4 + ["drop", "rename", "case", "null", "dup_key"]))
    needed = [k for k in keys if k.lower() in _NEEDED_LOWER]
    key = draw(
        st.sampled_from(needed or keys) if draw(st.integers(0, 9)) < 7 else st.sampled_from(keys)
    )
    if kind == "drop":
        del rec[key]
    elif kind == "rename":
        rec[draw(_renamed)] = rec.pop(key)
    elif kind == "case":
        rec[key.upper() if draw(st.booleans()) else key.lower()] = rec.pop(key)
    elif kind == "null":
        rec[key] = None
    elif kind == "dup_key":  # a second spelling of the same field with another value
        rec[key.upper()] = draw(garbage)
    else:
        rec[key] = draw(garbage)
    steps.append(f"{kind} record {i} {key!r}")


def _envelope_mutation(draw: st.DrawFn, body: dict[str, Any], steps: list[str]) -> None:
    kind = draw(
        st.sampled_from(
            [
                "count",
                "count",
                "drop_key",
                "error",
                "error_object",
                "data_type",
                "remove_record",
                "duplicate_record",
                "count_type",
                "record_type",
            ]
        )  # fmt: skip
    )
    data = body.get("data")
    if kind == "count":
        body["count"] = (body.get("count") if isinstance(body.get("count"), int) else 0) + draw(
            st.sampled_from([-1, 1, -100, 10**6])
        )
    elif kind == "count_type":
        body["count"] = draw(garbage)
    elif kind == "drop_key":
        key = draw(st.sampled_from(["count", "data", "error", "elapsedTime"]))
        body.pop(key, None)
    elif kind == "error":
        body["error"] = draw(st.sampled_from(["Bad query", "Internal error", 0, [], {"x": 1}]))
    elif kind == "error_object":
        body["errorObject"] = {"errorMessage": draw(st.text(max_size=20))}
    elif kind == "data_type":
        body["data"] = draw(garbage)
    elif kind == "record_type" and isinstance(data, list) and data:
        data[draw(st.integers(0, len(data) - 1))] = draw(garbage)
    elif kind == "remove_record" and isinstance(data, list) and data:
        data.pop(draw(st.integers(0, len(data) - 1)))
        if draw(st.booleans()):
            body["count"] = len(data)  # a consistent but smaller answer
    elif kind == "duplicate_record" and isinstance(data, list) and data:
        data.append(json.loads(json.dumps(data[draw(st.integers(0, len(data) - 1))])))
        if draw(st.booleans()):
            body["count"] = len(data)
    steps.append(f"envelope {kind}")


_RAW_JSON = json.dumps(_RAW)[:-1]  # the placeholder's opening as serialised: "\u0000RAW:


def _serialise(body: Any) -> bytes:
    text = json.dumps(body, ensure_ascii=False)
    while _RAW_JSON in text:  # swap the placeholder strings for raw tokens
        start = text.index(_RAW_JSON)
        end = text.index('"', start + 1)
        token = json.loads(text[start : end + 1])[len(_RAW) :]
        text = text[:start] + token + text[end + 1 :]
    return text.encode("utf-8")


@st.composite
def answers(draw: st.DrawFn, max_records: int = 40) -> Answer:
    """A real-shaped Comtrade answer with 1-4 mutations (mostly one; none 1 time in 9)."""
    seed = draw(st.sampled_from(seeds()))
    body = json.loads(seed)
    steps: list[str] = []
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, list) and len(data) > max_records:
        start = draw(st.integers(0, len(data) - max_records))
        body["data"] = data[start : start + max_records]
        body["count"] = len(body["data"])
    n = draw(st.sampled_from([0, 1, 1, 1, 1, 2, 2, 3, 4]))
    for _ in range(n):
        layer = draw(st.sampled_from(["record", "record", "record", "envelope"]))
        if layer == "record" and isinstance(body, dict) and isinstance(body.get("data"), list):
            _record_mutation(draw, body["data"], steps)
        elif isinstance(body, dict):
            _envelope_mutation(draw, body, steps)
    raw = _serialise(body)
    damage = draw(st.sampled_from(["none"] * 30 + ["truncate", "bytes", "html", "empty", "bom",
                                                   "top_level", "deep"]))  # fmt: skip
    if damage == "truncate":
        raw = raw[: draw(st.integers(0, max(len(raw) - 1, 0)))]
    elif damage == "bytes" and raw:
        at = draw(st.integers(0, len(raw) - 1))
        raw = raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at + 1 :]
    elif damage == "html":
        raw = b"<html><body><h2>Request URL Too Long</h2></body></html>"
    elif damage == "empty":
        raw = b""
    elif damage == "bom":
        raw = b"\xef\xbb\xbf" + raw
    elif damage == "top_level":
        raw = draw(st.sampled_from([b"[]", b"null", b'"data"', b"42", b"[" + raw + b"]"]))
    elif damage == "deep":
        raw = b'{"count":1,"data":[' + b"[" * 100_000 + b"]" * 100_000 + b"]}"
    if damage != "none":
        steps.append(f"bytes {damage}")
    status = draw(st.sampled_from([200] * 40 + [429, 403, 401, 404, 500, 502]))
    return Answer(status, raw, steps)


# --------------------------------------------------------------------------- running


class _Server:
    """Serves whatever answer is current through a MockTransport."""

    def __init__(self) -> None:
        self.answer = Answer(200, b"", [])

    def handle(self, request: httpx.Request) -> httpx.Response:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.answer.status == 429:
            headers["Retry-After"] = "1"
        return httpx.Response(self.answer.status, headers=headers, content=self.answer.body)


_SERVER = _Server()
QUERY = ComtradeQuery("A", ("2021",), ("283691",))


@cache
def _client() -> ComtradeClient:
    source = SourceClient(
        COMTRADE_POLICY,
        Mode.LIVE,
        live_transport=httpx.MockTransport(_SERVER.handle),
        clock=VirtualClock(),
        rng=random.Random(0),
    )
    return ComtradeClient(source)


def outcome(answer: Answer) -> str:
    """Fetch + normalise one answer: ``"ok"`` or the typed error's class name.

    Untyped exceptions propagate. An ``ok`` answer must also give schema-valid frames.
    """
    _SERVER.answer = answer
    try:
        result = _client().run([QUERY])
        trade = normalise_batches(result.batches)
    except TYPED as exc:
        assert str(exc)  # every typed error has a message
        return type(exc).__name__
    assert TradeFlowSchema.is_valid(trade.partners)
    assert WorldTotalSchema.is_valid(trade.world)
    return "ok"
