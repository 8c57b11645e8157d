"""Comtrade normalisation: every quirk of trade.md §1.11 with exact expected output."""

from __future__ import annotations

import polars as pl
import pytest

from assets.comtrade.normalise import (
    OUTPUT_COLUMNS,
    Batch,
    ComtradeRecordError,
    TradeFlowSchema,
    WorldTotalSchema,
    normalise_batches,
    normalise_records,
)

from ._helpers import SHA, URL, rec


def norm(records, url=URL, sha=SHA):
    return normalise_records(records, source_url=url, raw_sha256=sha)


def test_one_record_exact_output():
    out = norm([rec(partner=152, value=1234.5, kg=67.0)])
    assert out.partners.columns == list(OUTPUT_COLUMNS)
    assert out.partners.to_dicts() == [
        {
            "source": "comtrade",
            "reporter_code": 699,
            "partner_code": 152,
            "flow_code": "M",
            "freq": "A",
            "period": "2021",
            "ref_year": 2021,
            "ref_month": None,
            "hs6": "283691",
            "hs_edition": "H5",
            "primary_value_usd": 1234.5,
            "cif_value_usd": 1234.5,
            "fob_value_usd": None,
            "net_weight_kg": 67.0,
            "qty": 67.0,
            "qty_unit": "kg",
            "is_qty_estimated": False,
            "is_net_wgt_estimated": False,
            "is_reported": True,
            "is_aggregate": False,
            "legacy_estimation_flag": 0,
            "raw_sha256": SHA,
            "source_url": URL,
        }
    ]
    assert out.world.height == 0
    assert TradeFlowSchema.is_valid(out.partners)
    assert dict(out.partners.schema)["ref_month"] == pl.Int8


def test_field_names_are_case_insensitive():
    a = rec(partner=152, value=10.0)
    b = rec(partner=156, value=20.0)
    b["cifValue"] = b.pop("cifvalue")
    b["isnetWgtEstimated"] = b.pop("isNetWgtEstimated")
    b["isnetWgtEstimated"] = True
    c = rec(partner=32, flow="X", value=30.0)
    c["CIFValue"] = c.pop("cifvalue")
    c["FOBValue"] = c.pop("fobvalue")
    out = norm([a, b, c]).partners
    got = out.select("flow_code", "partner_code", "cif_value_usd", "fob_value_usd",
                     "is_net_wgt_estimated").rows()  # fmt: skip
    assert got == [
        ("M", 152, 10.0, None, False),
        ("M", 156, 20.0, None, True),
        ("X", 32, None, 30.0, False),
    ]


def test_two_spellings_with_different_values_is_an_error():
    r = rec(value=10.0)
    r["CIFValue"] = 11.0
    with pytest.raises(ComtradeRecordError) as err:
        norm([r])
    assert err.value.field == "cifvalue" and err.value.url == URL
    assert "record 0" in str(err.value) and URL in str(err.value)
    same = rec(value=10.0)
    same["CIFValue"] = 10.0  # same value twice is fine
    assert norm([same]).partners["cif_value_usd"].to_list() == [10.0]


def test_ref_month_52_annual_and_monthly_periods():
    out = norm(
        [rec(freq="A", period="2022", edition="H6"), rec(freq="M", period="202402", edition="H6")]
    ).partners
    assert out.select("freq", "period", "ref_year", "ref_month").rows() == [
        ("A", "2022", 2022, None),
        ("M", "202402", 2024, 2),
    ]
    with pytest.raises(ComtradeRecordError, match="refMonth 52") as err:
        norm([rec(freq="A", period="2021", refMonth=12)])
    assert err.value.field == "refMonth" and err.value.url == URL
    with pytest.raises(ComtradeRecordError, match="does not match"):
        norm([rec(freq="M", period="202402", refMonth=3)])


def test_world_rows_are_separated():
    recs = [rec(partner=0, value=30.0), rec(partner=152, value=10.0), rec(partner=156, value=20.0)]
    out = norm(recs)
    assert out.partners["partner_code"].to_list() == [152, 156]
    assert out.world["partner_code"].to_list() == [0]
    assert out.world["primary_value_usd"].to_list() == [30.0]
    assert out.partners["primary_value_usd"].sum() == out.world["primary_value_usd"].sum()
    assert WorldTotalSchema.is_valid(out.world)
    assert not WorldTotalSchema.is_valid(out.partners)
    assert out.stats["partner_rows"] == 2 and out.stats["world_rows"] == 1


def test_breakdown_rows_are_dropped():
    recs = [
        rec(partner=152, value=100.0),
        rec(partner=152, value=60.0, motCode=2100, motDesc="Sea"),
        rec(partner=152, value=40.0, customsCode="C01"),
        rec(partner=152, value=100.0, partner2Code=156, partner2ISO="CHN"),
        rec(partner=152, value=5.0, mosCode="3"),
    ]
    out = norm(recs)
    assert out.partners["primary_value_usd"].to_list() == [100.0]
    assert out.stats["breakdown_rows_dropped"] == 4


def test_duplicates_removed_on_grain_last_fetched_wins():
    first = Batch([rec(partner=152, value=100.0), rec(partner=156, value=5.0)], URL, SHA)
    second = Batch([rec(partner=152, value=110.0)], URL + "&again", "cd" * 32)
    out = normalise_batches([first, second])
    assert out.partners.select("partner_code", "primary_value_usd", "source_url").rows() == [
        (152, 110.0, URL + "&again"),
        (156, 5.0, URL),
    ]
    assert out.stats["duplicates_dropped"] == 1
    assert out.stats["conflicting_duplicates"] == 1
    same = normalise_batches([first, first])
    assert same.partners.height == 2
    assert same.stats["duplicates_dropped"] == 2 and same.stats["conflicting_duplicates"] == 0


def test_null_quantities_stay_null():
    out = norm([rec(partner=894, cmd="282200", value=500.0, kg=None)]).partners
    row = out.row(0, named=True)
    assert (row["qty"], row["net_weight_kg"], row["qty_unit"]) == (None, None, None)
    assert row["primary_value_usd"] == 500.0


def test_string_typed_values_from_bulk_files_are_coerced():
    r = rec(value=1.0)
    r.update(primaryValue="1500.25", cifvalue="1500.25", netWgt="12", qty="", refYear="2021",
             refMonth="52", partnerCode="152", isReported="True", isQtyEstimated="false")  # fmt: skip
    row = norm([r]).partners.row(0, named=True)
    assert row["primary_value_usd"] == 1500.25 and row["net_weight_kg"] == 12.0
    assert row["qty"] is None and row["is_reported"] is True and row["partner_code"] == 152


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"primaryValue": "abc"}, "primaryValue"),
        ({"primaryValue": None}, "primaryValue"),
        ({"cmdCode": 283691}, "cmdCode"),
        ({"cmdCode": "TOTAL"}, "cmdCode"),
        ({"flowCode": "RX"}, "flowCode"),
        ({"isReported": "maybe"}, "isReported"),
        ({"partnerCode": True}, "partnerCode"),
    ],
)
def test_bad_record_names_url_and_field(overrides, field):
    with pytest.raises(ComtradeRecordError) as err:
        norm([rec(partner=152), rec(partner=156, **overrides)])
    assert err.value.field == field
    assert err.value.url == URL and err.value.index == 1
    assert URL in str(err.value) and field in str(err.value)


def test_missing_field_names_it():
    r = rec()
    del r["classificationCode"]
    with pytest.raises(ComtradeRecordError, match="'classificationCode': missing"):
        norm([r])


def test_schema_violation_names_url_and_column():
    with pytest.raises(ComtradeRecordError) as err:
        norm([rec(partner=152, value=-5.0)], url="https://example.test/bad")
    assert err.value.field == "primary_value_usd"
    assert err.value.url == "https://example.test/bad"
    assert "TradeFlowSchema" in str(err.value)
    with pytest.raises(ComtradeRecordError) as err:
        norm([rec(partner=152, classificationCode="HS2017")])
    assert err.value.field == "hs_edition"


def test_empty_input_gives_empty_valid_frames():
    out = normalise_batches([])
    assert out.partners.height == 0 and out.world.height == 0
    assert out.partners.columns == list(OUTPUT_COLUMNS)
