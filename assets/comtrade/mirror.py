"""Mirror flows (group ``trade``): what India's partners report about their trade WITH India.

India's own report (``trade_flow_annual``) says what India imported from China; China's report
says what it exported to India. The two differ (CIF vs FOB valuation, timing, transit through
third countries, mis-invoicing), and the gap is itself evidence; ``mart_trade_reconciliation``
puts them side by side.

``trade_mirror_annual`` asks UN Comtrade, for every reporter of
``warehouse/reference/mirror_partners.csv`` (the list is data) and every annual partition, for
``reporterCode=<partner>&partnerCode=699``: the partner's exports to India (flow X, FOB) and its
imports from India (flow M, CIF), for the validated HS codes of each period's edition.
``trade_mirror_monthly`` does the same for every monthly partition, asking only the reporters
whose ``reports_monthly`` is true in the list (whether a reporter publishes monthly data to
Comtrade is data too; the others are named in the run's metadata as skipped, with the reason).
Both go through the same planner as India's loads (:class:`ComtradeClient`: validated
parameters, row-cap splitting, quota stop with a resumable state file per reporter, frequency
and edition, raw store, replay).
Because the partner is fixed, an answer holds at most two rows per code, so a call carries
:data:`MIRROR_CODES_PER_QUERY` codes (400 rows at most, under the 500-row preview cap; an answer
at the cap is split like any other).

Where the rows go (``fact_trade_flow``, with their own ``reporter_code``; India = 699):

* the grain ``(period_key, reporter_code, partner_code, flow_code, hs6)`` includes the reporter,
  so a mirror row never collides with India's row for the same trade, and every mart that means
  "India's report" filters ``reporter_code = 699`` (nothing double counts);
* partitions: mirror rows carry ``period_key = '<freq>:<period>:mirror'`` (e.g.
  ``A:2023:mirror``, ``M:202403:mirror``), so India's loads (``A:2023``, ``M:202403``) and the
  mirror loads swap disjoint slices and never delete each other's rows; their ``comtrade_call``
  rows use the same keys;
* the swap is shrink-guarded like India's (``guard=True``, :class:`MirrorLoadConfig`): a reporter
  whose rows vanish fails the run and keeps the previous rows unless ``allow_shrink``.

No World rows come back (the partner is India), so ``fact_trade_world_total`` is not touched.
In replay mode the rows are sample data (``is_sample_data`` true): the bundled snapshot's mirror
answers are generated (tools/snapshots/build_comtrade.py, "Mirror flows").

A quota stop leaves the state file of the reporter it stopped in; the rerun resumes that
reporter and asks the other reporters again (their answers replay from the raw store's HTTP
cache only in replay mode: in live mode they cost calls).
"""

import csv
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import polars as pl

from assets.comtrade.assets import (
    FACT_KEY,
    FACT_REQUIRED,
    _body_loader,
    annual_periods,
    codes_by_edition,
    monthly_periods,
    period_of,
)
from assets.comtrade.client import (
    INDIA,
    CallRecord,
    ComtradeClient,
    ComtradeResponse,
    QuotaExhaustedError,
)
from assets.comtrade.editions import edition_for_period
from assets.comtrade.normalise import TradeNormaliser
from assets.comtrade.policy import COMTRADE_POLICY
from assets.reference.assets import dim_country, dim_hs_code
from pipelines.checks import table_checks
from pipelines.load_config import LoadGuardConfig
from pipelines.metadata import preview_md
from pipelines.resources import HttpSources, Warehouse
from warehouse.store import PartitionWrite, ShrinkGuardError

MIRROR_PARTNERS_CSV = (
    Path(__file__).resolve().parents[2] / "warehouse/reference/mirror_partners.csv"
)
#: Codes per mirror call: partner fixed -> at most 2 rows (X, M) per code, 400 < 500 (preview cap).
MIRROR_CODES_PER_QUERY = 200
#: Suffix of the mirror rows' period keys (``A:2023:mirror``).
MIRROR_SUFFIX = "mirror"


class MirrorPartnersError(ValueError):
    """``mirror_partners.csv`` is malformed (names the file, the line and the field)."""


#: Why a reporter is not asked for monthly mirror flows (run metadata ``reporters_skipped``).
NOT_MONTHLY = "reports_monthly is false in mirror_partners.csv (not known to report monthly data)"


@dataclass(frozen=True)
class MirrorPartner:
    reporter_code: int
    iso3: str
    name: str
    supplies: str
    #: Publishes monthly data to Comtrade (asked by ``trade_mirror_monthly``). An assumption of
    #: the list, to check against Comtrade's data availability endpoint (``getDa``).
    reports_monthly: bool


def _flag(path: Path, line: int, field: str, raw: str | None) -> bool:
    if raw is None:
        raise MirrorPartnersError(f"[comtrade] {path}:{line}: {field} is missing (true or false)")
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise MirrorPartnersError(f"[comtrade] {path}:{line}: {field} {raw!r} is not true or false")
    return value == "true"


def load_mirror_partners(path: Path = MIRROR_PARTNERS_CSV) -> list[MirrorPartner]:
    """The reporters asked for mirror flows, in file order (no duplicates, never India).

    Columns: ``reporter_code`` (a Comtrade area code), ``iso3``, ``name``, ``supplies`` (what it
    supplies India, in words) and ``reports_monthly`` (``true`` or ``false``). A bad value fails
    with :class:`MirrorPartnersError` naming the file, the line and the field."""
    out: list[MirrorPartner] = []
    seen: set[int] = set()
    with Path(path).open(encoding="utf-8") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            raw = (row.get("reporter_code") or "").strip()
            if not raw.isdigit() or int(raw) <= 0:
                raise MirrorPartnersError(
                    f"[comtrade] {path}:{line}: reporter_code {raw!r} is not a Comtrade area code"
                )
            code = int(raw)
            if code == INDIA or code in seen:
                why = (
                    "is India (mirror flows are the partners' reports)"
                    if code == INDIA
                    else ("is listed twice")
                )
                raise MirrorPartnersError(f"[comtrade] {path}:{line}: reporter_code {code} {why}")
            seen.add(code)
            monthly = _flag(path, line, "reports_monthly", row.get("reports_monthly"))
            out.append(
                MirrorPartner(
                    code,
                    row.get("iso3", ""),
                    row.get("name", ""),
                    row.get("supplies", ""),
                    monthly,
                )
            )
    if not out:
        raise MirrorPartnersError(f"[comtrade] {path}: no reporters listed")
    return out


def mirror_period_key(freq: str, period: str) -> str:
    """``('A', '2023') -> 'A:2023:mirror'``, ``('M', '202403') -> 'M:202403:mirror'``: the
    mirror rows' partition key."""
    return f"{freq}:{period}:{MIRROR_SUFFIX}"


def partners_for(
    freq: str, partners: list[MirrorPartner]
) -> tuple[list[MirrorPartner], list[MirrorPartner]]:
    """``(asked, skipped)``: every partner for annual loads; for monthly loads only those that
    report monthly (``reports_monthly``), the others skipped."""
    if freq != "M":
        return list(partners), []
    return [p for p in partners if p.reports_monthly], [
        p for p in partners if not p.reports_monthly
    ]


class MirrorLoadConfig(LoadGuardConfig):
    """Run configuration of the mirror loads (Launchpad: ``ops: {trade_mirror_annual: {config:
    {allow_shrink: true}}}``, or ``trade_mirror_monthly``)."""


def _state_path(
    http: HttpSources, reporter: int, freq: str, periods: list[str], edition: str
) -> Path | None:
    """``comtrade_state/mirror-<reporter>-<freq>-<first>-<last>-<edition>.json``: one per reporter,
    frequency and edition (annual and monthly loads never resume each other's fetches)."""
    if not http.raw_dir:
        return None
    root = Path(http.raw_dir).parent / "comtrade_state"
    return root / f"mirror-{reporter}-{freq}-{periods[0]}-{periods[-1]}-{edition}.json"


def _known_areas(warehouse: Warehouse) -> set[int]:
    with warehouse.store().read() as con:
        return {r[0] for r in con.execute("SELECT area_code FROM dim_country").fetchall()}


def load_mirror(
    context: dg.AssetExecutionContext,
    freq: str,
    http: HttpSources,
    warehouse: Warehouse,
    config: MirrorLoadConfig | None = None,
    partners: list[MirrorPartner] | None = None,
) -> dg.MaterializeResult:
    config = config or MirrorLoadConfig()
    partners, skipped = partners_for(freq, partners or load_mirror_partners())
    unknown = sorted({p.reporter_code for p in partners} - _known_areas(warehouse))
    if unknown:
        raise dg.Failure(
            f"[comtrade] {MIRROR_PARTNERS_CSV.name}: reporter codes {unknown} are not Comtrade "
            "areas of dim_country (load the reference data, or fix the list)"
        )
    periods = [period_of(freq, k) for k in context.partition_keys]
    keys = [mirror_period_key(freq, p) for p in periods]
    codes = codes_by_edition(warehouse)
    groups: dict[str, list[str]] = {}
    for p in periods:
        groups.setdefault(edition_for_period(p), []).append(p)

    normaliser = TradeNormaliser()
    fetched_at: dict[str, datetime] = {}
    calls: list[CallRecord] = []
    splits = 0

    def take(response: ComtradeResponse) -> None:
        if response.fetched.fetched_at:
            fetched_at[response.raw_sha256] = datetime.fromisoformat(response.fetched.fetched_at)
        normaliser.add(response)

    with http.client(COMTRADE_POLICY) as source:
        client = ComtradeClient.from_env(source, max_codes_per_query=MIRROR_CODES_PER_QUERY)
        for partner in partners:
            for edition, eperiods in sorted(groups.items()):
                hs = codes.get(edition)
                if not hs:
                    raise dg.Failure(f"dim_hs_code has no validated {edition} codes; load it first")
                try:
                    result = client.fetch(
                        freq,
                        eperiods,
                        hs,
                        reporter_code=partner.reporter_code,
                        partner_code=INDIA,
                        state_path=_state_path(
                            http, partner.reporter_code, freq, eperiods, edition
                        ),
                        body_loader=_body_loader(http),
                        on_answer=take,
                    )
                except QuotaExhaustedError as exc:
                    raise dg.Failure(
                        description=f"Comtrade quota exhausted in the mirror load of reporter "
                        f"{partner.reporter_code} ({partner.name}): {exc}. Completed calls are "
                        f"saved in {exc.state_path}; rerun the same range after the quota resets.",
                        allow_retries=False,
                    ) from exc
                calls += result.calls
                splits += len(result.splits)
        endpoint = client.endpoint.value
        http_stats = source.stats.as_metadata()

    trade = normaliser.finish()
    rows = trade.partners
    wrong = rows.filter(pl.col("partner_code") != INDIA)
    if wrong.height:
        r = wrong.row(0, named=True)
        raise dg.Failure(
            f"[comtrade] mirror answer {r['source_url']} holds partner {r['partner_code']} "
            f"(asked partnerCode={INDIA}); field partnerCode"
        )
    sample = http.mode == "replay"
    table = rows.with_columns(
        (pl.col("freq") + ":" + pl.col("period") + f":{MIRROR_SUFFIX}").alias("period_key"),
        pl.lit(sample).alias("is_sample_data"),
        pl.col("raw_sha256")
        .replace_strict(fetched_at, default=None, return_dtype=pl.Datetime("us", "UTC"))
        .alias("_fetched_at"),
    ).rename({"raw_sha256": "_raw_sha256", "source_url": "_source_url"})
    now = datetime.now(UTC)
    call_df = pl.DataFrame(
        [
            {
                "period_key": mirror_period_key(freq, c.query.periods[0]),
                "call_no": i,
                "url": c.url,
                "outcome": c.outcome,
                "rows_returned": c.rows,
                "row_cap": client.cap,
                "hs_codes": len(c.query.hs_codes),
                "raw_sha256": c.sha256 or None,
                "_loaded_at": now,
            }
            for i, c in enumerate(calls, 1)
        ],
        schema={
            "period_key": pl.Utf8,
            "call_no": pl.Int32,
            "url": pl.Utf8,
            "outcome": pl.Utf8,
            "rows_returned": pl.Int32,
            "row_cap": pl.Int32,
            "hs_codes": pl.Int32,
            "raw_sha256": pl.Utf8,
            "_loaded_at": pl.Datetime("us", "UTC"),
        },
    )
    try:
        warehouse.store().replace_partitions(
            [
                PartitionWrite("fact_trade_flow", table, "period_key", keys, guard=True),
                PartitionWrite("comtrade_call", call_df, "period_key", keys),
            ],
            run_id=context.run.run_id,
            shrink=config.shrink_policy(),
        )
    except ShrinkGuardError as exc:
        raise dg.Failure(description=f"[comtrade] mirror: {exc}", allow_retries=False) from exc
    by_reporter = (
        table.group_by("reporter_code", "flow_code").len().sort("reporter_code", "flow_code")
    )
    return dg.MaterializeResult(
        metadata={
            "periods": dg.MetadataValue.json(periods),
            "endpoint": endpoint,
            "reporters_asked": len(partners),
            "reporters_with_rows": table["reporter_code"].n_unique(),
            "reporters_skipped": dg.MetadataValue.json(
                [
                    {"reporter_code": p.reporter_code, "name": p.name, "why": NOT_MONTHLY}
                    for p in skipped
                ]
            ),
            "calls": len(calls),
            "calls_no_data": sum(c.outcome == "no_data" for c in calls),
            "calls_resumed": sum(c.resumed for c in calls),
            "splits": splits,
            "rows": table.height,
            "hs_codes": table["hs6"].n_unique(),
            "sample_data": sample,
            "allow_shrink": config.allow_shrink,
            "rows_by_reporter_flow": dg.MetadataValue.json(
                [dict(r) for r in by_reporter.iter_rows(named=True)]
            ),
            **http_stats,
            "preview": dg.MetadataValue.md(
                preview_md(
                    table.select(
                        "period", "reporter_code", "flow_code", "hs6", "primary_value_usd"
                    ).sort("primary_value_usd", descending=True)
                )
            ),
        }
    )


@dg.asset(
    partitions_def=annual_periods,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="warehouse",
    group_name="trade",
    kinds={"duckdb", "polars", "api"},
    deps=[dim_hs_code, dim_country],
    description="Mirror flows: each partner of warehouse/reference/mirror_partners.csv as "
    "reporter, India (699) as partner: its exports to India (X, FOB) and imports from India "
    "(M, CIF), annual, every HS code in dim_hs_code, from UN Comtrade. Rows go to "
    "fact_trade_flow with their reporter_code under period_key '<freq>:<period>:mirror', so "
    "India's own loads and the mirror loads never swap each other's rows.",
)
def trade_mirror_annual(
    context: dg.AssetExecutionContext,
    config: MirrorLoadConfig,
    http: HttpSources,
    warehouse: Warehouse,
) -> dg.MaterializeResult:
    return load_mirror(context, "A", http, warehouse, config)


@dg.asset(
    partitions_def=monthly_periods,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="warehouse",
    group_name="trade",
    kinds={"duckdb", "polars", "api"},
    deps=[dim_hs_code, dim_country],
    description="Mirror flows, monthly: each partner of warehouse/reference/mirror_partners.csv "
    "whose reports_monthly is true as reporter, India (699) as partner: its exports to India "
    "(X, FOB) and imports from India (M, CIF), every HS code in dim_hs_code, from UN Comtrade. "
    "Rows go to fact_trade_flow with their reporter_code under period_key "
    "'M:<YYYYMM>:mirror'; the reporters that do not report monthly are skipped (run metadata).",
)
def trade_mirror_monthly(
    context: dg.AssetExecutionContext,
    config: MirrorLoadConfig,
    http: HttpSources,
    warehouse: Warehouse,
) -> dg.MaterializeResult:
    return load_mirror(context, "M", http, warehouse, config)


def _mirror_checks(asset: dg.AssetsDefinition, freq: str) -> list[dg.AssetChecksDefinition]:
    return table_checks(
        asset,
        "fact_trade_flow",
        key=FACT_KEY,
        required=FACT_REQUIRED,
        min_rows=0,
        where=f"period_key LIKE '{freq}:%:{MIRROR_SUFFIX}'",
    )


mirror_checks = [
    *_mirror_checks(trade_mirror_annual, "A"),
    *_mirror_checks(trade_mirror_monthly, "M"),
]
mirror_assets = [trade_mirror_annual, trade_mirror_monthly]
