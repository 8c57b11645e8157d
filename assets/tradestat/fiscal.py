"""India's fiscal calendar (April to March), as TradeStat uses it.

TradeStat's years are fiscal years: "2024-2025" is April 2024 to March 2025, and its monthly
(MEIDB) reports in Financial Year mode print fiscal year-to-date columns ("Apr-Jun2024"). The
asset's partitions are the months themselves ("2024-06"), starting in April 2018 (the first
month of FY 2018-19, the first year in MEIDB's year list), so a fiscal year is twelve
consecutive partitions from April: :func:`fiscal_year_partition_keys`.
"""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip

IST_TZ = ZoneInfo("Asia/Kolkata")

_KEY = re.compile(r"^(\d{4})-(\d{2})$")
_FY = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month_key(key: str) -> tuple[int, int]:
    """``"2024-06"`` -> ``(2024, 6)``; ValueError for anything else."""
    m = _KEY.match(key)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"month key {key!r} is not YYYY-MM")
    return int(m.group(1)), int(m.group(2))


def fiscal_year_start(year: int, month: int) -> int:
    """Calendar year in which the month's fiscal year starts (Jan-Mar belong to the year before)."""
    return year if month >= 4 else year - 1


def fiscal_year_label(year: int, month: int) -> str:
    """``(2025, 2)`` -> ``"2024-25"``."""
    start = fiscal_year_start(year, month)
    return f"{start}-{(start + 1) % 100:02d}"


def fiscal_month(month: int) -> int:
    """Position of a calendar month in the fiscal year: April is 1, March is 12."""
    return (month - 4) % 12 + 1


def fiscal_year_partition_keys(label: str) -> list[str]:
    """``"2024-25"`` -> ``["2024-04", ..., "2025-03"]``: the twelve partitions of a fiscal year."""
    m = _FY.match(label)
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise ValueError(f"fiscal year {label!r} is not YYYY-YY (e.g. 2024-25)")
    start = int(m.group(1))
    return [f"{start + (i >= 9)}-{(i + 3) % 12 + 1:02d}" for i in range(12)]


def current_fiscal_year_to_date(today: date) -> tuple[str, str]:
    """First and last complete month of the current fiscal year, as partition keys.

    On 16 June 2025 that is ("2025-04", "2025-05"); in April (no complete month yet) it is the
    whole previous fiscal year, which TradeStat still revises then.
    """
    last_y, last_m = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    start = fiscal_year_start(last_y, last_m)
    return f"{start}-04", f"{last_y}-{last_m:02d}"
