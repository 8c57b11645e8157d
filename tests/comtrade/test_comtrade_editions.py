"""HS edition of a Comtrade period: H5 (HS 2017) up to 2021, H6 (HS 2022) from 2022."""

from __future__ import annotations

import pytest

from assets.comtrade.editions import edition_for_period, periods_by_edition


@pytest.mark.parametrize(
    ("period", "edition"),
    [
        ("2017", "H5"), ("2019", "H5"), ("2021", "H5"), ("202112", "H5"), ("201901", "H5"),
        ("2022", "H6"), ("202201", "H6"), ("2023", "H6"), ("202406", "H6"), ("2030", "H6"),
    ],
)  # fmt: skip
def test_edition_for_period(period, edition):
    assert edition_for_period(period) == edition


@pytest.mark.parametrize("bad", ["", "21", "20211", "2021-01", "2021M01", "abcd", 2021, None])
def test_edition_for_period_rejects_malformed(bad):
    with pytest.raises(ValueError, match="YYYY"):
        edition_for_period(bad)


def test_periods_by_edition_groups_sorted_and_distinct():
    got = periods_by_edition(["2023", "2019", "2022", "2021", "2020", "2019"])
    assert got == {"H5": ["2019", "2020", "2021"], "H6": ["2022", "2023"]}
    assert list(got) == ["H5", "H6"]
    assert periods_by_edition(["202402", "202401"]) == {"H6": ["202401", "202402"]}
    assert periods_by_edition([]) == {}


def test_client_re_exports_edition_for_period():
    from assets.comtrade import client

    assert client.edition_for_period is edition_for_period
