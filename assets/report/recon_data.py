"""What the report reads about trade seen from every side: mirror flows and TradeStat.

Two marts, both optional (a warehouse from before issue 12 has neither):

* ``mart_trade_reconciliation``: India's imports as India reports them (CIF) against the
  partner's exports to India as the partner reports them (FOB), per mineral x partner x year
  (``freq = 'A'``, ``india_flow = 'M'``). The report reads the latest ``MIRROR_YEARS`` years and
  the ``MIRROR_PARTNERS`` largest partners of each main mineral, already grouped by the mart.
* ``mart_tradestat_vs_comtrade``: India's own statistics (TradeStat) against what India reports
  to Comtrade, per mineral x partner x month; the report reads the imports (``flow_code = 'M'``)
  summed per mineral x month in SQL, the latest ``TRADESTAT_MONTHS`` months, with the partner
  of the largest gap.

Each loader returns ``(rows by mineral, problem)``: ``problem`` is a sentence for the page when
the mart is missing or cannot be read, else ``None``; a mineral without rows is simply absent.
Nothing is written; the number of rows read is bounded whatever the size of the facts.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from assets.report.trade_data import relation_exists

__all__ = [
    "BAND",
    "MIRROR_MART",
    "MIRROR_PARTNERS",
    "MIRROR_YEARS",
    "STATUS_TEXT",
    "TRADESTAT_MART",
    "TRADESTAT_MONTHS",
    "MirrorRow",
    "TradeStatMonth",
    "load_mirror",
    "load_tradestat",
    "sample_flag",
]

MIRROR_MART = "mart_trade_reconciliation"
TRADESTAT_MART = "mart_tradestat_vs_comtrade"
MIRROR_YEARS = 8  # latest years drawn per mineral
MIRROR_PARTNERS = 15  # largest partners per mineral (the mirror list has 14 reporters)
TRADESTAT_MONTHS = 12  # latest months listed per mineral
BAND = (1.00, 1.10)  # the mart's CIF/FOB band when it gives none

STATUS_TEXT = {
    "within_band": "within the band",
    "cif_above_band": "CIF above the band",
    "cif_below_fob": "CIF below FOB",
    "fob_zero": "partner reports zero",
    "india_only": "India only (the partner reports nothing)",
    "partner_only": "partner only (India reports nothing)",
}


@dataclass(frozen=True)
class MirrorRow:
    """One partner x year of India's imports, from both sides (US dollars)."""

    year: int
    partner_code: int
    partner: str
    india_usd: float | None  # India-reported imports, CIF
    partner_usd: float | None  # partner-reported exports to India, FOB
    gap_usd: float  # India minus partner, a missing side counting as 0
    ratio: float | None  # CIF / FOB
    status: str
    band: tuple[float, float]
    is_sample: bool

    @property
    def status_text(self) -> str:
        return STATUS_TEXT.get(self.status, self.status.replace("_", " "))


@dataclass(frozen=True)
class TradeStatMonth:
    """One month of India's imports of a mineral: TradeStat against Comtrade (US dollars)."""

    year: int
    month: int
    tradestat_usd: float | None
    comtrade_usd: float | None
    gap_usd: float  # TradeStat minus Comtrade
    gap_share: float | None  # gap / the larger side
    partners_both: int
    partners_tradestat_only: int
    partners_comtrade_only: int
    top_partner: str | None  # the partner with the largest absolute gap
    top_gap_usd: float | None
    rounded_to_zero: bool
    is_sample: bool


def _problem(con: duckdb.DuckDBPyConnection, mart: str) -> str | None:
    if relation_exists(con, mart):
        return None
    return f"{mart} is missing from this warehouse (it predates the mart; run the marts job)."


def load_mirror(
    con: duckdb.DuckDBPyConnection, mineral_ids: list[str]
) -> tuple[dict[str, list[MirrorRow]], str | None]:
    """India's annual imports vs the partners' exports to India, per mineral (partner, year)."""
    problem = _problem(con, MIRROR_MART)
    if problem or not mineral_ids:
        return {}, problem
    try:
        rows = con.execute(
            f"""WITH r AS (
                   SELECT * FROM {MIRROR_MART}
                   WHERE freq = 'A' AND india_flow = 'M' AND list_contains(?, mineral_id)
               ),
               years AS (
                   SELECT mineral_id, max(ref_year) AS last_year FROM r GROUP BY mineral_id
               ),
               recent AS (
                   SELECT r.* FROM r JOIN years y USING (mineral_id)
                   WHERE r.ref_year > y.last_year - ?
               ),
               ranked AS (
                   SELECT mineral_id, partner_code,
                          row_number() OVER (
                              PARTITION BY mineral_id
                              ORDER BY sum(coalesce(india_reported_usd, 0)
                                           + coalesce(partner_reported_usd, 0)) DESC,
                                       partner_code
                          ) AS rank
                   FROM recent GROUP BY mineral_id, partner_code
               )
               SELECT r.mineral_id, r.ref_year, r.partner_code,
                      coalesce(r.partner_name, 'Area ' || CAST(r.partner_code AS VARCHAR)),
                      r.india_reported_usd, r.partner_reported_usd, r.gap_usd, r.cif_fob_ratio,
                      r.reconciliation_status, r.band_low, r.band_high, r.is_sample_data
               FROM recent r JOIN ranked k USING (mineral_id, partner_code)
               WHERE k.rank <= ?
               ORDER BY r.mineral_id, k.rank, r.ref_year""",
            [mineral_ids, MIRROR_YEARS, MIRROR_PARTNERS],
        ).fetchall()
    except duckdb.Error as exc:
        return {}, f"{MIRROR_MART} could not be read: {exc}"
    out: dict[str, list[MirrorRow]] = {}
    for mid, year, code, name, india, partner, gap, ratio, status, lo, hi, sample in rows:
        out.setdefault(mid, []).append(
            MirrorRow(
                year=int(year),
                partner_code=int(code),
                partner=str(name),
                india_usd=None if india is None else float(india),
                partner_usd=None if partner is None else float(partner),
                gap_usd=float(gap or 0),
                ratio=None if ratio is None else float(ratio),
                status=str(status),
                band=(
                    float(BAND[0] if lo is None else lo),
                    float(BAND[1] if hi is None else hi),
                ),
                is_sample=bool(sample),
            )
        )
    return out, None


def load_tradestat(
    con: duckdb.DuckDBPyConnection, mineral_ids: list[str]
) -> tuple[dict[str, list[TradeStatMonth]], str | None]:
    """India's monthly imports per mineral, TradeStat vs Comtrade, summed over the partners."""
    problem = _problem(con, TRADESTAT_MART)
    if problem or not mineral_ids:
        return {}, problem
    try:
        rows = con.execute(
            f"""SELECT mineral_id, ref_year, ref_month,
                       sum(tradestat_value_usd) AS ts, sum(comtrade_value_usd) AS ct,
                       count(*) FILTER (WHERE in_tradestat AND in_comtrade),
                       count(*) FILTER (WHERE in_tradestat AND NOT in_comtrade),
                       count(*) FILTER (WHERE in_comtrade AND NOT in_tradestat),
                       arg_max(coalesce(partner_name, tradestat_partner_names,
                                        'Area ' || CAST(partner_code AS VARCHAR)),
                               abs(gap_usd)),
                       arg_max(gap_usd, abs(gap_usd)),
                       bool_or(has_rows_rounded_to_zero), bool_or(is_sample_data)
                FROM {TRADESTAT_MART}
                WHERE flow_code = 'M' AND list_contains(?, mineral_id)
                GROUP BY mineral_id, ref_year, ref_month
                QUALIFY row_number() OVER (
                    PARTITION BY mineral_id ORDER BY ref_year DESC, ref_month DESC) <= ?
                ORDER BY mineral_id, ref_year, ref_month""",
            [mineral_ids, TRADESTAT_MONTHS],
        ).fetchall()
    except duckdb.Error as exc:
        return {}, f"{TRADESTAT_MART} could not be read: {exc}"
    out: dict[str, list[TradeStatMonth]] = {}
    for mid, year, month, ts, ct, both, ts_only, ct_only, top, top_gap, zero, sample in rows:
        ts_v = None if ts is None else float(ts)
        ct_v = None if ct is None else float(ct)
        gap = (ts_v or 0.0) - (ct_v or 0.0)
        larger = max(ts_v or 0.0, ct_v or 0.0)
        out.setdefault(mid, []).append(
            TradeStatMonth(
                year=int(year),
                month=int(month),
                tradestat_usd=ts_v,
                comtrade_usd=ct_v,
                gap_usd=gap,
                gap_share=gap / larger if larger else None,
                partners_both=int(both),
                partners_tradestat_only=int(ts_only),
                partners_comtrade_only=int(ct_only),
                top_partner=None if top is None else str(top),
                top_gap_usd=None if top_gap is None else float(top_gap),
                rounded_to_zero=bool(zero),
                is_sample=bool(sample),
            )
        )
    return out, None


def sample_flag(con: duckdb.DuckDBPyConnection) -> bool:
    """True when either mart holds a row from the bundled snapshot (SAMPLE DATA)."""
    for mart in (MIRROR_MART, TRADESTAT_MART):
        if not relation_exists(con, mart):
            continue
        try:
            row = con.execute(f"SELECT bool_or(is_sample_data) FROM {mart}").fetchone()
        except duckdb.Error:
            continue
        if row and row[0]:
            return True
    return False
