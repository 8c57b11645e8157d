"""The vectorised normaliser (issue 11) against the old per-record one, kept as the oracle.

Same frames (rows, columns, dtypes, order), same stats and unknown fields, and the same error
(class, field, record index, URL, period/cmdCode/partnerCode and message) on: the whole bundled
snapshot, the real India records, and mutated real-shaped answers (hypothesis, as in
``test_comtrade_properties``; ``COMTRADE_FUZZ_EXAMPLES`` sets the number, default 300).
"""

from __future__ import annotations

import copy
import csv
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assets.comtrade.client import (
    Answer,
    ComtradeAPIError,
    ComtradeClient,
    ComtradeError,
    parse_envelope,
    read_answer,
)
from assets.comtrade.normalise import (
    PY_WHITESPACE,
    Batch,
    ComtradeRecordError,
    ComtradeSchemaError,
    NormalisedTrade,
    TradeNormaliser,
    normalise_batches,
)
from assets.comtrade.policy import COMTRADE_POLICY
from assets.comtrade.records import from_answer, parse_answers
from pipelines.http import Mode, SourceClient

from . import _oracle_normalise as oracle
from ._mutations import REAL_CSV, _envelope, _typed, answers, seeds

EXAMPLES = int(os.environ.get("COMTRADE_FUZZ_EXAMPLES", "300"))
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "snapshot" / "comtrade"
URL = "https://comtradeapi.un.org/public/v1/preview/C/A/HS?period=2021"
SHA = "ab" * 32
CAP = 500


@dataclass
class Response:
    """What the client hands the normaliser: the parsed answer, its URL and sha256."""

    answer: Answer
    source_url: str
    raw_sha256: str

    @property
    def records(self):
        return self.answer.records


def arrow_path(answer: Answer) -> bool:
    """Whether the normaliser reads this answer column-wise (not by the exact path)."""
    if answer.line is None:
        return False
    (rows,) = parse_answers([answer])
    return rows is not None and from_answer(rows, answer) is not None


def _run(fn):
    """The NormalisedTrade, or the error (both sides raise the same classes)."""
    try:
        return fn()
    except ComtradeError as exc:
        return exc


#: The old normaliser's sort keys; the new one adds the reporter (mirror rows differ only
#: there, and the old unstable sort left them in no defined order).
SORT = ["freq", "period", "flow_code", "hs6", "partner_code"]


def assert_same(new, old, *, keep_order: bool = False) -> None:
    """Same frames, stats and unknown fields; or the same error, attribute for attribute.

    Frames: the same rows, columns and dtypes, in the same order by the old sort's keys (rows
    that tie there, which differ in reporter, in reporter order on the new side).
    """
    if isinstance(old, Exception) or isinstance(new, Exception):
        assert type(new) is type(old), (new, old)
        assert str(new) == str(old)
        for attr in ("url", "field", "index", "period", "cmd_code", "partner_code", "unknown"):
            a, b = getattr(new, attr, None), getattr(old, attr, None)
            assert a == b or (a != a and b != b), attr  # a NaN value is the same NaN
        return
    assert isinstance(new, NormalisedTrade) and isinstance(old, oracle.NormalisedTrade)
    for name in ("partners", "world"):
        a, b = getattr(new, name), getattr(old, name)
        assert a.schema == b.schema, name
        if not keep_order:
            b = b.sort([*SORT, "reporter_code"], maintain_order=True)
        assert a.equals(b), name
    assert new.stats == old.stats
    assert new.unknown_fields == old.unknown_fields


def _snapshot_bodies() -> list[tuple[str, bytes]]:
    """(url, body) of every 200 answer in the bundled snapshot, in recorded order."""
    out = []
    for line in (SNAPSHOT / "exchanges.jsonl").read_text(encoding="utf-8").splitlines():
        ex = json.loads(line)
        if ex["status"] == 200:
            out.append((ex["url"], (SNAPSHOT / ex["body"]).read_bytes()))
    return out


def _both(bodies: list[tuple[str, bytes, str]], cap: int | None = CAP, **kw):
    """Normalise (url, body, sha) answers with the new path (read_answer + Arrow) and the old
    one (parse_envelope + dicts); envelope errors come from the client on both sides."""
    new = _run(
        lambda: normalise_batches([Response(read_answer(b, u, cap), u, s) for u, b, s in bodies])
    )
    old = _run(
        lambda: oracle.normalise_batches(
            [oracle.Batch(parse_envelope(b, u, cap)[1], u, s) for u, b, s in bodies]
        )
    )
    return new, old


# --------------------------------------------------------------------------- the snapshot


def test_whole_snapshot_gives_the_old_frames():
    import hashlib

    bodies = []
    exact = []
    for url, body in _snapshot_bodies():
        try:
            answer = read_answer(body, url, CAP)
        except ComtradeAPIError:  # the recorded 429 body is not an envelope
            continue
        if not arrow_path(answer):
            exact.append(answer)
        bodies.append((url, body, hashlib.sha256(body).hexdigest()))
    assert len(bodies) >= 300
    # every recorded answer is read column-wise but the one filled to the row cap (parsed by
    # the client, which must count its records) and the two whose records spell cifvalue two
    # ways (the exact path folds them record by record)
    assert sorted(a.rows for a in exact) == [108, 226, 500]
    for answer in (a for a in exact if a.rows != CAP):
        spellings = {k for r in answer.records for k in r if k.lower() == "cifvalue"}
        assert len(spellings) == 2
    new, old = _both(bodies)
    assert isinstance(new, NormalisedTrade)
    assert new.partners.height > 10_000 and new.world.height > 1_000
    assert_same(new, old)
    # in small batches (the answers of several batches deduplicated together), the same
    one = TradeNormaliser(batch_rows=1)
    for url, body, sha in bodies:
        one.add(Response(read_answer(body, url, CAP), url, sha))
    assert_same(one.finish(), old)
    # in fetch order (what the warehouse load asks for), the same rows in the old order
    new = normalise_batches(
        [Response(read_answer(b, u, CAP), u, s) for u, b, s in bodies], keep_order=True
    )
    old = oracle.normalise_batches(
        [oracle.Batch(parse_envelope(b, u, CAP)[1], u, s) for u, b, s in bodies], keep_order=True
    )
    assert_same(new, old, keep_order=True)


def test_snapshot_replayed_through_the_streaming_client_gives_the_old_frames():
    """What load_trade does: answers streamed from the client straight into the normaliser."""
    expected = json.loads((ROOT / "tools" / "snapshots" / "comtrade_expected.json").read_text())
    codes = expected["plan"]["hs_codes_by_edition"]
    fetch = next(f for f in expected["plan"]["fetches"] if f["label"] == "M-H6")

    def client() -> ComtradeClient:
        return ComtradeClient(SourceClient(COMTRADE_POLICY, Mode.REPLAY, snapshot_dir=SNAPSHOT))

    kept = client().fetch(fetch["freq"], fetch["periods"], codes[fetch["edition"]])
    streamed = TradeNormaliser()
    result = client().fetch(
        fetch["freq"], fetch["periods"], codes[fetch["edition"]], on_answer=streamed.add
    )
    assert result.responses == [] and result.batches == []  # nothing held by the client
    assert result.metadata() == kept.metadata()
    old = oracle.normalise_batches(kept.batches)
    assert_same(streamed.finish(), old)


# --------------------------------------------------------------------------- real records


@pytest.fixture(scope="module")
def real_rows() -> list[dict[str, str]]:
    if not REAL_CSV.exists():
        pytest.skip(f"{REAL_CSV} not available")
    with REAL_CSV.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_real_records_give_the_old_frames(real_rows):
    typed = [_typed(r) for r in real_rows]
    for records in (typed, real_rows):  # as the API types them; as a bulk file's strings
        new = normalise_batches([Batch(copy.deepcopy(records), URL, SHA)])
        old = oracle.normalise_batches([oracle.Batch(copy.deepcopy(records), URL, SHA)])
        assert_same(new, old)
        body = json.dumps(_envelope(records)).encode()
        new, old = _both([(URL, body, SHA)])
        assert_same(new, old)
    assert arrow_path(read_answer(json.dumps(_envelope(typed)).encode(), URL))


# --------------------------------------------------------------------------- mutated answers


@fuzz
@given(answers())
def test_mutated_answers_give_the_old_outcome(answer):
    new, old = _both([(URL, answer.body, SHA)], cap=None)
    if isinstance(old, ComtradeAPIError) or isinstance(new, ComtradeAPIError):
        assert type(new) is type(old) and str(new) == str(old)  # the envelope's errors
        return
    assert_same(new, old)


@fuzz
@given(
    values=st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats(0, 1e15), st.integers(0, 2**60)),
            st.one_of(st.floats(0, 1e300, allow_subnormal=True), st.integers(0, 10**25)),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_numbers_read_by_arrow_equal_pythons(values):
    """Arrow's number parsing gives Python's floats (ints in float fields, big and tiny
    values, 17 significant digits)."""
    records = []
    for i, (weight, value) in enumerate(values):
        r = json.loads(seeds()[0])["data"][0]
        r.update(cmdCode=f"{280000 + i:06d}", netWgt=weight, qty=weight, primaryValue=value)
        records.append(r)
    new, old = _both([(URL, json.dumps(_envelope(records)).encode(), SHA)])
    assert_same(new, old)


# --------------------------------------------------------------------------- the token count


def _record(**overrides) -> dict:
    r = json.loads(seeds()[0])["data"][0]
    r.update(overrides)
    return r


def _body(records: list[dict]) -> bytes:
    return json.dumps(_envelope(records), separators=(",", ":")).encode()


@pytest.mark.parametrize(
    "case",
    ["absent", "absent_and_renamed", "absent_and_quoted_key", "absent_and_dup_key", "null_ok"],
)
def test_an_absent_nullable_key_is_schema_drift_whatever_else_the_body_holds(case):
    """The Arrow path counts ``"qty":`` tokens to tell an absent key from a null; bodies that
    could fool the count go to the exact path, so record 1's absent qty is always named."""
    a, b = _record(qty=None), _record(cmdCode="280450", qty=None)
    if case != "null_ok":
        del b["qty"]
    if case == "absent_and_renamed":
        b["qtyx"] = None
    body = _body([a, b])
    if case == "absent_and_quoted_key":  # an unknown key ending in "qty": the count would match
        body = body.replace(b'"typeCode":', b'"x\\"qty":1,"typeCode":', 1)
    if case == "absent_and_dup_key":  # record 0 carries qty twice (Python keeps the last)
        body = body.replace(b'"qty":null', b'"qty":null,"qty":null', 1)
    new, old = _both([(URL, body, SHA)])
    assert_same(new, old)
    if case == "null_ok":
        assert isinstance(new, NormalisedTrade)
        assert arrow_path(read_answer(body, URL))
    else:
        assert isinstance(new, ComtradeSchemaError)
        assert (new.field, new.index, new.cmd_code) == ("qty", 1, "280450")


def test_two_spellings_are_folded_by_column_and_conflicts_named():
    a = _record()
    a["cifValue"] = a.pop("cifvalue")
    b = _record(cmdCode="280450")  # the other spelling in another record: folded by column
    new, old = _both([(URL, _body([a, b]), SHA)])
    assert_same(new, old)
    assert arrow_path(read_answer(_body([a, b]), URL))
    b["CIFValue"] = 1.0  # two spellings in one record with different values
    new, old = _both([(URL, _body([a, b]), SHA)])
    assert_same(new, old)
    assert isinstance(new, ComtradeRecordError) and "spelled both" in str(new)
    assert (new.field, new.index) == ("cifvalue", 1)


def test_the_first_failing_record_is_named_in_fetch_order_then_rule_order():
    """Across answers and batches, the first record in fetch order fails first; within a
    record, the rule the old loop checked first."""
    good = [_record(cmdCode=f"{280000 + i:06d}") for i in range(3)]
    bad_late = copy.deepcopy(good)
    bad_late[2].update(flowCode="Q", partnerCode="x")  # partnerCode is checked after flowCode
    bad_early = copy.deepcopy(good)
    bad_early[1]["refMonth"] = 7  # an annual record with month 7
    answers_ = [
        (URL + "&a", _body(good), SHA),
        (URL + "&b", _body(bad_late), SHA),
        (URL + "&c", _body(bad_early), SHA),
    ]
    for batch_rows in (1, 10**6):
        normaliser = TradeNormaliser(batch_rows=batch_rows)
        with pytest.raises(ComtradeRecordError) as err:
            for url, body, sha in answers_:
                normaliser.add(Response(read_answer(body, url), url, sha))
            normaliser.finish()
        assert (err.value.url, err.value.index, err.value.field) == (URL + "&b", 2, "flowCode")
    new, old = _both(answers_)
    assert_same(new, old)


def test_bodies_arrow_cannot_vouch_for_are_read_as_before():
    """Nested values, deep nesting, NaN, numbers Python refuses, invalid UTF-8: the exact path
    gives the old records or the old error (never a crash), whichever stage finds them."""
    a = _record()
    nested = _body([dict(a, extra={"qty": 1})])
    assert not arrow_path(read_answer(nested, URL))  # read, then refused by the schema check
    deep = b'{"count":1,"data":[{"x":' + b"[" * 50_000 + b"]" * 50_000 + b"}]}"
    with pytest.raises(ComtradeAPIError, match="nested too deeply"):
        read_answer(deep, URL)  # nested lists: never given to Arrow
    deep_objects = b'{"count":1,"data":[' + b'{"x":' * 50_000 + b"1" + b"}" * 50_000 + b"]}"
    with pytest.raises(ComtradeAPIError, match="nested too deeply"):
        read_answer(deep_objects, URL)  # too many braces for its one record: parsed now
    year = f'"refYear":{a["refYear"]}'.encode()
    huge = _body([a]).replace(year, b'"refYear":' + b"9" * 5000)
    value = f'"primaryValue":{json.dumps(a["primaryValue"])}'.encode()
    nan = _body([a]).replace(value, b'"primaryValue":NaN')
    for body in (nested, deep_objects, huge, nan, _body([a]).replace(b"India", b"\xff")):
        new, old = _both([(URL, body, SHA)])
        assert_same(new, old)
    assert "not JSON" in str(_both([(URL, huge, SHA)])[0])


def test_python_whitespace_is_what_str_strip_removes():
    assert set(PY_WHITESPACE) == {c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()}


def test_empty_answers_and_no_answers():
    empty = _body([])
    new, old = _both([(URL, empty, SHA)])
    assert_same(new, old)
    assert isinstance(new, NormalisedTrade) and new.stats["records_in"] == 0
    assert_same(TradeNormaliser().finish(), oracle.normalise_batches([]))


def test_keep_order_and_duplicates_across_answers():
    a = [_record(cmdCode="280450"), _record(cmdCode="280461")]
    b = [_record(cmdCode="280450", primaryValue=5.0)]
    bodies = [(URL, _body(a), SHA), (URL + "&2", _body(b), "cd" * 32), (URL, _body(a), SHA)]
    new = normalise_batches(
        [Response(read_answer(x, u), u, s) for u, x, s in bodies], keep_order=True
    )
    old = oracle.normalise_batches(
        [oracle.Batch(parse_envelope(x, u)[1], u, s) for u, x, s in bodies], keep_order=True
    )
    assert_same(new, old, keep_order=True)
    assert new.stats["duplicates_dropped"] == 3 and new.stats["conflicting_duplicates"] == 1
    assert pl.Series(new.world["hs6"]).to_list() == ["280450", "280461"]


def test_one_odd_answer_in_a_batch_is_read_on_its_own():
    """Answers are parsed many at a time; one the joint pass cannot take (a body over several
    lines, string-typed values, a BOM) is read alone or by the exact path, the rest stay
    column-wise, and the frames are the old ones."""
    good = [_record(cmdCode=f"{280000 + i:06d}") for i in range(3)]
    pretty = json.dumps(_envelope(good), indent=1).encode()
    strings = _body([{k: str(v) if isinstance(v, int) else v for k, v in r.items()} for r in good])
    bom = b"\xef\xbb\xbf" + _body(good)
    bodies = [(URL + f"&{i}", body, SHA) for i, body in enumerate(
        [_body(good), pretty, _body(good), strings, bom, _body(good)]
    )]  # fmt: skip
    answers_ = [read_answer(b, u) for u, b, _ in bodies]
    assert answers_[1].line is None  # several lines: parsed by the client
    parsed = parse_answers([a for a in answers_ if a.line is not None])
    assert all(t is not None for t in parsed)  # the BOM answer read alone
    new, old = _both(bodies)
    assert_same(new, old)


def test_records_that_do_not_parse_fail_with_the_clients_old_error():
    """An answer whose envelope and record count look right but whose records are not JSON is
    left unparsed by the client; the normaliser then raises parse_envelope's error for it
    (naming its URL), before any record of the batch is checked."""
    good = _body([_record(cmdCode="280450"), _record(cmdCode="280461")])
    broken = good.replace(b'"isAggregate":false', b'"isAggregate":fals', 1)
    bad_record = _body([_record(cmdCode="2804")])  # a record error in an earlier answer
    bodies = [(URL + "&a", bad_record, SHA), (URL + "&b", broken, SHA), (URL + "&c", good, SHA)]
    assert read_answer(broken, URL).line is not None  # not parsed by the client
    new, old = _both(bodies)
    assert_same(new, old)
    assert isinstance(new, ComtradeAPIError) and "not JSON" in str(new)
    assert new.url == URL + "&b"
