"""Text formatting for the report: HTML escaping, money, shares, amounts, months."""

from __future__ import annotations

import calendar
import html
import math
from datetime import date

__all__ = [
    "esc",
    "fmt_amounts",
    "fmt_num",
    "fmt_pct",
    "fmt_usd",
    "fmt_usd_signed",
    "humanise",
    "month_label",
    "month_start",
    "trunc",
]


def esc(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


def fmt_usd(v: float | None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    a = abs(v)
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= div:
            x = v / div
            s = f"{x:.1f}" if abs(x) < 100 else f"{x:.0f}"
            return f"${s.removesuffix('.0')}{suffix}"
    return f"${v:.0f}"


def fmt_usd_signed(v: float | None) -> str:
    """A difference in dollars with its sign in front: '+$76.6K', '−$198K', '$0'."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if v == 0:
        return "$0"
    return ("+" if v > 0 else "−") + fmt_usd(abs(v))


def fmt_pct(v: float | None, digits: int = 1) -> str:
    if v is None:
        return "–"
    return f"{v * 100:.{digits}f}%"


def fmt_num(v: float) -> str:
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def fmt_amounts(amounts: str | None) -> list[str]:
    """'outlay: 1500.0 INR crore; ...' -> ['outlay: 1,500 INR crore', ...]."""
    if not amounts:
        return []
    out = []
    for part in amounts.split("; "):
        kind, sep, rest = part.partition(": ")
        num, _, unit = rest.partition(" ")
        try:
            out.append(f"{kind}: {fmt_num(float(num))} {unit}".strip() if sep else part)
        except ValueError:
            out.append(part)
    return out


def humanise(slug: str) -> str:
    """'mou_agreement' -> 'mou agreement' (controlled vocabulary slugs, for display)."""
    return slug.replace("_", " ")


def month_label(idx: int) -> str:
    """Month index (year * 12 + month - 1) -> 'Mar 2024'."""
    return f"{calendar.month_abbr[idx % 12 + 1]} {idx // 12}"


def month_start(idx: int) -> date:
    """Month index (year * 12 + month - 1) -> the first day of that month."""
    return date(idx // 12, idx % 12 + 1, 1)


def trunc(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"
