"""Which HS edition a Comtrade period of India's data is classified in.

The Harmonized System is revised every five years. HS 2017 (Comtrade classification code ``H5``)
was in force from 2017-01-01 to 2021-12-31; HS 2022 (``H6``) from 2022-01-01. India reports to
Comtrade in the edition in force, so its final data carries ``classificationCode`` H5 for the
periods up to 2021 and H6 from 2022 on (annual and monthly alike: a month belongs to its year).

A Comtrade query must therefore ask each period for the codes of *its* edition: codes that were
split or created in HS 2022 (e.g. 810391/810399, 8112.31-8112.69) exist only in H6 periods, and
the HS 2017 codes they replaced (810390, 810720...) only in H5 periods. The Comtrade asset groups
its periods with :func:`periods_by_edition` and calls ``ComtradeClient.fetch`` once per group with
the distinct ``hs6`` of that edition from ``dim_hs_code``.

Only the two editions the project's HS map carries are known here: every year up to 2021 maps to
H5 (India reported HS 2012, ``H4``, for 2012-2016, which this project does not query).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: First year classified in HS 2022 (H6); earlier years are HS 2017 (H5).
HS2022_FIRST_YEAR = 2022
HS2017 = "H5"
HS2022 = "H6"

_PERIOD = re.compile(r"^(\d{4})(\d{2})?$")


def edition_for_period(period: str) -> str:
    """The HS edition of an annual (``YYYY``) or monthly (``YYYYMM``) period of India's data.

    ``"H5"`` (HS 2017) for years up to 2021, ``"H6"`` (HS 2022) from 2022. Raises
    :class:`ValueError` for a period that is neither ``YYYY`` nor ``YYYYMM``.
    """
    m = _PERIOD.match(period) if isinstance(period, str) else None
    if m is None:
        raise ValueError(f"period {period!r} is not YYYY or YYYYMM")
    return HS2022 if int(m.group(1)) >= HS2022_FIRST_YEAR else HS2017


def periods_by_edition(periods: Iterable[str]) -> dict[str, list[str]]:
    """Group periods by :func:`edition_for_period`: ``{edition: sorted distinct periods}``.

    Editions come out in ascending order (H5 before H6), so iterating the result is
    deterministic.
    """
    groups: dict[str, set[str]] = {}
    for p in periods:
        groups.setdefault(edition_for_period(p), set()).add(p)
    return {ed: sorted(groups[ed]) for ed in sorted(groups)}
