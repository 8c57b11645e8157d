"""Property-based tests: mutated real-shaped Comtrade answers give only typed outcomes.

``COMTRADE_FUZZ_EXAMPLES`` sets the number of mutated answers (default 300 for CI);
``bench/fuzz_comtrade.py`` runs the same generator for 10 000 and prints the counts.
"""

from __future__ import annotations

import copy
import csv
import json
import os

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assets.comtrade.client import (
    ComtradeAPIError,
    ComtradeIncompleteAnswerError,
    parse_envelope,
)
from assets.comtrade.normalise import (
    NULLABLE_FIELDS,
    REQUIRED_FIELDS,
    ComtradeRecordError,
    ComtradeSchemaError,
    normalise_records,
)

from ._mutations import REAL_CSV, _envelope, _typed, answers, outcome, seeds

EXAMPLES = int(os.environ.get("COMTRADE_FUZZ_EXAMPLES", "300"))
URL = "https://comtradeapi.un.org/public/v1/preview/C/A/HS?period=2021"
SHA = "ab" * 32

fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
few = settings(max_examples=min(EXAMPLES, 100), deadline=None, database=None)


@pytest.fixture(scope="module")
def real_records() -> list[dict]:
    if not REAL_CSV.exists():
        pytest.skip(f"{REAL_CSV} not available")
    with REAL_CSV.open(newline="", encoding="utf-8") as fh:
        return [_typed(r) for r in csv.DictReader(fh)]


def _snapshot_records(n: int = 40) -> list[dict]:
    """The first ``n`` records of the largest recorded answer (H5 annual, all 47 fields)."""
    bodies = [json.loads(s) for s in seeds()]
    body = max((b for b in bodies if isinstance(b.get("data"), list)), key=lambda b: b["count"])
    return body["data"][:n]


SNAPSHOT_RECORDS = _snapshot_records()


@fuzz
@given(answers())
def test_mutated_answers_give_only_typed_outcomes(answer):
    outcome(answer)  # raises on anything but a valid frame or a typed error


def test_real_records_normalise_with_their_quirks(real_records):
    out = normalise_records(real_records, source_url=URL, raw_sha256=SHA)
    # 24 of 36 are 4-digit headings (2504, 2822): dropped and counted, never summed with HS6
    assert out.stats["aggregate_rows_dropped"] == 24
    assert out.partners.height == 6 and out.world.height == 6
    fob = dict(out.partners.select("period", "fob_value_usd").iter_rows())
    # fobvalue 0 in 2019-2021 and null from 2022, exactly as served
    assert fob == {"2019": 0.0, "2020": 0.0, "2021": 0.0, "2022": None, "2023": None,
                   "2024": None}  # fmt: skip
    assert out.partners["net_weight_kg"].null_count() == 0
    # the same records as a bulk file gives them (every value a string) normalise the same
    with REAL_CSV.open(newline="", encoding="utf-8") as fh:
        as_text = normalise_records(list(csv.DictReader(fh)), source_url=URL, raw_sha256=SHA)
    assert as_text.partners.equals(out.partners) and as_text.world.equals(out.world)


def test_every_recorded_answer_passes_the_envelope_checks():
    """count == len(data) and a data list in all 219 recorded answers (normalised in
    test_comtrade_snapshot); the recorded 429 body is refused as not an envelope."""
    outcomes = []
    for text in seeds():
        try:
            count, records, _ = parse_envelope(text.encode(), URL)
            outcomes.append(count == len(records))
        except ComtradeAPIError as exc:
            assert "no 'data' list" in str(exc)
            outcomes.append(None)
    assert outcomes.count(True) >= 219 and outcomes.count(None) == 1
    assert False not in outcomes


@few
@given(
    index=st.integers(0, len(SNAPSHOT_RECORDS) - 1),
    field=st.sampled_from(REQUIRED_FIELDS + NULLABLE_FIELDS),
    new_name=st.one_of(st.none(), st.sampled_from(["netWeight", "value", "x"])),
)
def test_absent_or_renamed_needed_field_is_schema_drift(index, field, new_name):
    records = copy.deepcopy(SNAPSHOT_RECORDS)
    key = next(k for k in records[index] if k.lower() == field.lower())
    value = records[index].pop(key)
    if new_name is not None:
        records[index][new_name] = value
    with pytest.raises(ComtradeSchemaError) as err:
        normalise_records(records, source_url=URL, raw_sha256=SHA)
    e = err.value
    assert (e.field, e.index, e.url) == (field, index, URL)
    assert field == "period" or e.period == records[index]["period"]
    assert f"field {field!r}: missing" in str(e)
    assert e.unknown == ([new_name] if new_name else [])
    if new_name:
        assert new_name in str(e)


@few
@given(index=st.integers(0, len(SNAPSHOT_RECORDS) - 1), field=st.sampled_from(NULLABLE_FIELDS))
def test_present_null_in_a_nullable_field_is_data(index, field):
    records = copy.deepcopy(SNAPSHOT_RECORDS)
    key = next(k for k in records[index] if k.lower() == field.lower())
    records[index][key] = None
    out = normalise_records(records, source_url=URL, raw_sha256=SHA)
    column = {"cifvalue": "cif_value_usd", "fobvalue": "fob_value_usd", "netWgt": "net_weight_kg",
              "qty": "qty", "qtyUnitAbbr": "qty_unit"}.get(field)  # fmt: skip
    if column is None:
        return  # qtyUnitCode / legacyEstimationFlag: null is accepted, nothing else changes
    r = records[index]
    frame = out.world if r["partnerCode"] == 0 else out.partners
    row = frame.filter(
        (pl.col("hs6") == r["cmdCode"])
        & (pl.col("partner_code") == r["partnerCode"])
        & (pl.col("flow_code") == r["flowCode"])
    )
    assert row[column].to_list() == [None]


@few
@given(delta=st.integers(-5, 5).filter(bool), n=st.integers(0, 10))
def test_count_that_disagrees_with_data_is_an_incomplete_answer(delta, n):
    body = _envelope(SNAPSHOT_RECORDS[:n])
    body["count"] = n + delta
    with pytest.raises(ComtradeIncompleteAnswerError) as err:
        parse_envelope(json.dumps(body).encode(), URL)
    assert (err.value.count, err.value.rows) == (n + delta, n)
    assert f"'count' says {n + delta}" in str(err.value) and URL in str(err.value)


_INT_NEEDED = ("refYear", "refMonth", "reporterCode", "partnerCode", "partner2Code", "aggrLevel",
               "motCode", "qtyUnitCode", "legacyEstimationFlag")  # fmt: skip
_NUMBER_NEEDED = ("primaryValue", "cifvalue", "fobvalue", "netWgt", "qty")


@few
@given(
    index=st.integers(0, len(SNAPSHOT_RECORDS) - 1),
    field=st.sampled_from(_INT_NEEDED + _NUMBER_NEEDED),
    value=st.one_of(
        st.integers(min_value=2**31, max_value=10**400),
        st.integers(min_value=-(10**400), max_value=-(2**31) - 1),
        st.sampled_from(
            [
                float("inf"),
                float("-inf"),
                float("nan"),
                "1e999",
                "9" * 5000,
                "12abc",
                [1],
                {"v": 1},
                True,
            ]
        ),  # fmt: skip
    ),
)
def test_out_of_range_or_mistyped_numbers_are_record_errors(index, field, value):
    """Bounded parsing: never a polars overflow, always the record named."""
    records = copy.deepcopy(SNAPSHOT_RECORDS)
    key = next(k for k in records[index] if k.lower() == field.lower())
    if field in _NUMBER_NEEDED and isinstance(value, int) and not isinstance(value, bool):
        value = -value if value > 0 else value  # a float column takes big ints; negative fails
    records[index][key] = value
    with pytest.raises(ComtradeRecordError) as err:
        normalise_records(records, source_url=URL, raw_sha256=SHA)
    e = err.value
    assert e.index == index and e.url == URL
    assert e.cmd_code == records[index]["cmdCode"]
    assert e.partner_code == records[index]["partnerCode"] or field == "partnerCode"


def test_an_answer_filled_to_the_cap_may_report_the_full_count():
    """Comtrade's own truncation (rows == cap, count larger) is left to the splitter."""
    body = _envelope(SNAPSHOT_RECORDS[:10])
    body["count"] = 693
    count, records, _ = parse_envelope(json.dumps(body).encode(), URL, cap=10)
    assert (count, len(records)) == (693, 10)
    with pytest.raises(ComtradeIncompleteAnswerError):
        parse_envelope(json.dumps(body).encode(), URL, cap=11)  # 10 rows under a cap of 11
    body["count"] = 9
    with pytest.raises(ComtradeIncompleteAnswerError):
        parse_envelope(json.dumps(body).encode(), URL, cap=10)
