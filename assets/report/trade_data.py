"""What the report reads about trade: the main minerals and their annual and monthly series.

Reads ``mart_import_dependence`` and ``mart_supplier_concentration`` from an open DuckDB
connection (the writer or the reader file); nothing is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

__all__ = [
    "FOCUS_MINERALS",
    "TRADE_MARTS",
    "Mineral",
    "any_sample_flag",
    "dataset_label",
    "load_trade",
    "mineral_slug",
    "relation_exists",
    "select_minerals",
]

FOCUS_MINERALS = ("lithium", "ree", "cobalt", "graphite")
TRADE_MARTS = ("mart_import_dependence", "mart_supplier_concentration")


@dataclass
class Mineral:
    mineral_id: str
    name: str
    total_usd: float
    # year -> [(partner_code, partner_name, value_usd, share)]
    annual: dict[int, list[tuple[int, str, float, float]]] = field(default_factory=dict)
    # [(year, hhi, china_share, total_usd, supplier_count, top_supplier, top_share)]
    concentration: list[tuple] = field(default_factory=list)
    # [(year, month, total_usd)]
    monthly: list[tuple[int, int, float]] = field(default_factory=list)
    mixed_share_latest: float | None = None

    @property
    def slug(self) -> str:
        return mineral_slug(self.mineral_id)


def mineral_slug(mineral_id: str) -> str:
    return "mineral-" + (re.sub(r"[^a-z0-9]+", "-", mineral_id.lower()).strip("-") or "x")


def relation_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    try:
        row = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchone()
    except duckdb.Error:
        return False
    return bool(row and row[0])


def dataset_label(con: duckdb.DuckDBPyConnection) -> str | None:
    if not relation_exists(con, "dataset_info"):
        return None
    try:
        row = con.execute("SELECT value FROM dataset_info WHERE key = 'dataset_label'").fetchone()
    except duckdb.Error:
        return None
    return row[0] if row else None


def any_sample_flag(con: duckdb.DuckDBPyConnection) -> bool:
    if not relation_exists(con, "mart_import_dependence"):
        return False
    try:
        row = con.execute("SELECT bool_or(is_sample_data) FROM mart_import_dependence").fetchone()
    except duckdb.Error:
        return False
    return bool(row and row[0])


def select_minerals(con: duckdb.DuckDBPyConnection, top_n: int) -> list[Mineral]:
    """The ``top_n`` minerals by imports (annual, else monthly), plus the focus minerals."""
    rows = con.execute(
        """SELECT mineral_id, any_value(mineral_name),
                  coalesce(sum(import_value_usd) FILTER (WHERE freq = 'A'), 0) AS annual,
                  coalesce(sum(import_value_usd) FILTER (WHERE freq = 'M'), 0) AS monthly
           FROM mart_import_dependence GROUP BY mineral_id"""
    ).fetchall()
    if not rows:
        return []
    has_annual = any(r[2] for r in rows)
    ranked = sorted(
        ((mid, name or mid, float(a if has_annual else m)) for mid, name, a, m in rows),
        key=lambda r: (-r[2], r[0]),
    )
    chosen = {r[0] for r in ranked[: max(top_n, 0)]} | set(FOCUS_MINERALS)
    return [Mineral(mid, name, total) for mid, name, total in ranked if mid in chosen]


def load_trade(con: duckdb.DuckDBPyConnection, minerals: list[Mineral]) -> None:
    """Fill each mineral's annual partner rows, concentration rows and monthly totals."""
    by_id = {m.mineral_id: m for m in minerals}
    ids = list(by_id)
    for mid, year, code, name, value, share in con.execute(
        """SELECT mineral_id, ref_year, partner_code,
                  coalesce(partner_name, 'Area ' || CAST(partner_code AS VARCHAR)),
                  import_value_usd, share_of_mineral_imports
           FROM mart_import_dependence
           WHERE freq = 'A' AND list_contains(?, mineral_id)
           ORDER BY mineral_id, ref_year, import_value_usd DESC""",
        [ids],
    ).fetchall():
        by_id[mid].annual.setdefault(int(year), []).append(
            (int(code), str(name), float(value or 0), float(share or 0))
        )
    for row in con.execute(
        """SELECT mineral_id, freq, ref_year, ref_month, hhi, china_share,
                  total_import_value_usd, supplier_count, top_supplier, top_supplier_share
           FROM mart_supplier_concentration
           WHERE list_contains(?, mineral_id)
           ORDER BY mineral_id, freq, ref_year, ref_month""",
        [ids],
    ).fetchall():
        mid, freq, year, month, hhi, china, total, count, top, top_share = row
        m = by_id[mid]
        if freq == "A":
            m.concentration.append(
                (int(year), hhi, china, float(total or 0), count, top, top_share)
            )
        elif freq == "M" and month is not None:
            m.monthly.append((int(year), int(month), float(total or 0)))
    for mid, mixed in con.execute(
        """SELECT mineral_id,
                  sum(value_from_mixed_codes_usd) / nullif(sum(import_value_usd), 0)
           FROM mart_import_dependence
           WHERE freq = 'A' AND list_contains(?, mineral_id)
             AND ref_year = (SELECT max(ref_year) FROM mart_import_dependence WHERE freq = 'A')
           GROUP BY mineral_id""",
        [ids],
    ).fetchall():
        by_id[mid].mixed_share_latest = None if mixed is None else float(mixed)
