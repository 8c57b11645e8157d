"""Build the bundled TradeStat snapshot ``snapshot/tradestat/`` deterministically.

SAMPLE DATA, NOT OFFICIAL STATISTICS. TradeStat cannot be reached from here, so its pages are
*authored*: :mod:`assets.tradestat.fake_site` renders them in the real markup (two real saved
pages of the portal: the monthly "Commodity-wise all Countries" import report and its frame),
and the project's own ``SourceClient`` records them in record mode through an
``httpx.MockTransport``, asking exactly what the asset asks
(:func:`assets.tradestat.fetch.fetch_month`, the months of ``snapshot/manifest.json``'s
``tradestat_monthly`` range).

Where the figures come from: the bundled Comtrade snapshot's monthly records for the same
months (themselves sample data, see ``snapshot/comtrade/README.md``), turned into what TradeStat
would print for the ITC-HS lines of ``warehouse/reference/hs8_mineral_map.csv``:

* an HS6's value is split over its mapped HS8 lines (:data:`HS8_SHARES`); where the map leaves
  lines of the HS6 out (graphite 250410's amorphous line, rare-earth compounds 284690), the
  mapped line gets only part of it, so TradeStat's HS6 sum is below Comtrade's by design;
* each partner's figure differs from Comtrade's by up to +-3 % (revisions, valuation dates),
  deterministic per partner, line and month;
* cobalt oxide imports that Comtrade credits to the DR Congo are consigned from Belgium in
  TradeStat (India records the country of consignment, Comtrade partners often the origin);
* a small consignment from an unspecified country (DGCI&S 599) that Comtrade does not have;
* rupees at a sample monthly rate; quantities in kilograms (``KGS``).

Deliberate mechanics on the record (replayed by every demo run): the session expires once
(HTTP 419, then a fresh form and token) and one post answers 503 before its retry.

Usage::

    .venv/bin/python tools/snapshots/build_tradestat.py           # rebuild snapshot/tradestat
    .venv/bin/python tools/snapshots/build_tradestat.py --check   # rebuild in a temp dir, diff
"""

from __future__ import annotations

import argparse
import filecmp
import hashlib
import json
import random
import shutil
import sys
import tempfile
from collections import defaultdict
from datetime import date
from pathlib import Path
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import httpx
import polars as pl

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pipelines.http as http_module  # noqa: E402
from assets.comtrade.editions import edition_for_period  # noqa: E402
from assets.tradestat.client import TradeStatClient  # noqa: E402
from assets.tradestat.fake_site import FakeTradeStat, SiteData  # noqa: E402
from assets.tradestat.fetch import fetch_month  # noqa: E402
from assets.tradestat.fiscal import parse_month_key  # noqa: E402
from assets.tradestat.mapping import load_crosswalk, load_hs8_map  # noqa: E402
from assets.tradestat.normalise import normalise_month  # noqa: E402
from assets.tradestat.policy import TRADESTAT_POLICY  # noqa: E402
from pipelines.http import Mode, SourceClient, VirtualClock  # noqa: E402

SNAPSHOT_DIR = ROOT / "snapshot" / "tradestat"
COMTRADE_DIR = ROOT / "snapshot" / "comtrade"
MANIFEST = ROOT / "snapshot" / "manifest.json"
EXPECTED_PATH = ROOT / "tools" / "snapshots" / "tradestat_expected.json"

#: Pinned so that rebuilding gives identical exchanges.jsonl lines.
FETCHED_AT = "2025-12-08T05:30:00+00:00"
REPORT_DATE = date(2025, 12, 5)
SEED = "tradestat-sample-v1"

#: Share of its HS6 that a mapped HS8 line gets (1.0 when it is the HS6's only line).
HS8_SHARES = {
    "28220010": 0.72,  # cobalt oxides
    "28220020": 0.28,  # cobalt hydroxides
    "25041010": 0.85,  # crystalline natural graphite; amorphous (not mapped) has the rest
    "28469090": 0.90,  # other rare-earth compounds; other 284690 lines are not mapped
}
#: Rupees per US dollar (sample, close to the RBI reference rate of those months).
RATES = {(2024, 4): 83.37, (2024, 5): 83.40, (2024, 6): 83.47}
#: India's total merchandise trade, US$ million (sample, near the published quick estimates).
INDIA_TOTALS = {
    ("M", 2023, 4): 49_060.0, ("M", 2023, 5): 57_480.0, ("M", 2023, 6): 53_100.0,
    ("M", 2024, 4): 54_090.0, ("M", 2024, 5): 61_910.0, ("M", 2024, 6): 56_010.0,
    ("X", 2023, 4): 34_660.0, ("X", 2023, 5): 34_980.0, ("X", 2023, 6): 32_970.0,
    ("X", 2024, 4): 35_300.0, ("X", 2024, 5): 38_130.0, ("X", 2024, 6): 35_200.0,
}  # fmt: skip
#: Comtrade partner -> the partner TradeStat records (country of consignment), per HS6 + flow.
CONSIGNED_FROM = {("282200", "M", 180): 56}  # DR Congo's cobalt oxides arrive from Belgium
#: Extra TradeStat rows Comtrade does not have: (flow, hs8, month key) -> (country, US$, kg).
EXTRA_ROWS = {("M", "81019400", "2024-05"): ("UNSPECIFIED", 41_500.0, 1_150.0)}
#: The post numbers (1-based) before which the portal forgets its sessions / answers 503.
EXPIRE_BEFORE_POST = {37}
STATUS_BEFORE_POST = {61: 503}


def months() -> list[str]:
    rng = json.loads(MANIFEST.read_text())["tradestat_monthly"]
    start, end = parse_month_key(rng["start"]), parse_month_key(rng["end"])
    out, (y, m) = [], start
    while (y, m) <= end:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def comtrade_monthly(periods: set[str]) -> dict[tuple[str, str, str, int], tuple[float, float]]:
    """(period YYYYMM, flow, hs6, partner) -> (US$, kg) from the bundled Comtrade snapshot."""
    out: dict[tuple[str, str, str, int], tuple[float, float]] = {}
    for line in (COMTRADE_DIR / "exchanges.jsonl").read_text(encoding="utf-8").splitlines():
        ex = json.loads(line)
        query = parse_qs(urlsplit(ex["url"]).query)
        if "/C/M/" not in ex["url"] or ex["status"] != 200:
            continue
        if not set(query.get("period", [""])[0].split(",")) & periods:
            continue
        body = json.loads((COMTRADE_DIR / ex["body"]).read_text(encoding="utf-8"))
        for r in body.get("data") or []:
            if r["partnerCode"] == 0 or r["period"] not in periods:
                continue
            key = (r["period"], r["flowCode"], r["cmdCode"], int(r["partnerCode"]))
            kg = r.get("netWgt") or r.get("qty") or 0.0
            out[key] = (float(r["primaryValue"]), float(kg))
    return out


def _jitter(*key: object) -> float:
    digest = hashlib.sha256("|".join(map(str, (SEED, *key))).encode()).hexdigest()
    return random.Random(int(digest[:12], 16)).uniform(-0.03, 0.03)


def site_data(keys: list[str]) -> SiteData:
    hs8_map = load_hs8_map()
    crosswalk = load_crosswalk()
    # Comtrade area -> the DGCI&S name TradeStat prints (the first plain entry of the crosswalk)
    names: dict[int, str] = {}
    for r in crosswalk.sort("dgcis_code").iter_rows(named=True):
        if r["comtrade_code"] not in names and not r["note"]:
            names[r["comtrade_code"]] = r["dgcis_name"].strip()
    names[899] = "UNSPECIFIED"
    names[490] = "TAIWAN"
    periods = {k.replace("-", "") for k in keys}
    comtrade = comtrade_monthly(periods)
    commodities: dict[str, tuple[str, str]] = {}
    figures: dict[tuple[str, str, int, int], dict[str, tuple[float, float]]] = {}
    for key in keys:
        year, month = parse_month_key(key)
        edition = edition_for_period(f"{year}{month:02d}")
        lines = hs8_map.filter(pl.col("hs_edition") == edition)
        for line in lines.iter_rows(named=True):
            hs8, hs6 = line["hs8"], line["hs6"]
            commodities[hs8] = (line["description"], line["unit"])
            share = HS8_SHARES.get(hs8, 1.0)
            for flow in ("M", "X"):
                table: dict[str, tuple[float, float]] = defaultdict(lambda: (0.0, 0.0))
                for (period, f, code, partner), (usd, kg) in sorted(comtrade.items()):
                    if period != f"{year}{month:02d}" or f != flow or code != hs6:
                        continue
                    partner = CONSIGNED_FROM.get((hs6, flow, partner), partner)
                    factor = share * (1 + _jitter(flow, hs8, partner, key))
                    country = names[partner]
                    old = table[country]
                    table[country] = (old[0] + usd * factor / 1e6, old[1] + kg * factor)
                extra = EXTRA_ROWS.get((flow, hs8, key))
                if extra:
                    country, usd, kg = extra
                    table[country] = (usd / 1e6, kg)
                figures[(flow, hs8, year, month)] = dict(table)
    return SiteData(
        commodities=commodities,
        figures=figures,
        rates=RATES,
        india_totals=INDIA_TOTALS,
        report_date=REPORT_DATE,
    )


README = """\
# snapshot/tradestat -- bundled TradeStat (Ministry of Commerce, DGCI&S) pages

Recorded exchanges (format: `pipelines/snapshot.py`) of the `tradestat_hs8_monthly` asset for
the months of `snapshot/manifest.json` (`tradestat_monthly`: {start} to {end}, fiscal year
2024-25): for every line of `warehouse/reference/hs8_mineral_map.csv`, both flows, the
"Commodity-wise all Countries" table (`meidb/commodity_wise_all_countries_{{import,export}}`)
in US $ Million, ₹ Crore and Quantity, and the national "Commodity-wise" control page
(`meidb/commoditywise_{{import,export}}`), plus the four form pages (GET, token and session
cookie `indiatrade-session`).

**The figures are SAMPLE DATA, not official statistics.** The pages are authored and rendered
in the real markup by `assets/tradestat/fake_site.py` (after two real saved pages of the
portal), recorded by `tools/snapshots/build_tradestat.py` through the project's SourceClient in
record mode. The figures are derived from the bundled Comtrade snapshot (itself sample data),
split to HS8, with deliberate differences: partner figures within +-3 %, HS6 lines not mapped
(graphite 250410, rare-earth compounds 284690 get 85 % and 90 %), DR Congo's cobalt oxides
consigned from Belgium, and one import from an unspecified country (81019400, May 2024).

Mechanics on the record: {posts} form posts, {gets} form GETs; the session expires once (HTTP
419 "Page Expired", then a fresh form and token) and one post answers 503 before its retry.

Rebuild: `.venv/bin/python tools/snapshots/build_tradestat.py` (deterministic; `--check`
rebuilds in a temp dir and fails if this directory differs).
"""


def record(out: Path, keys: list[str]) -> tuple[FakeTradeStat, TradeStatClient]:
    site = site_data(keys)
    fake = FakeTradeStat(
        site,
        token_seed=SEED,
        expire_before_post=set(EXPIRE_BEFORE_POST),
        status_before_post=dict(STATUS_BEFORE_POST),
    )
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    hs8_map = load_hs8_map()
    with mock.patch.object(http_module, "_utcnow", return_value=FETCHED_AT):
        source = SourceClient(
            TRADESTAT_POLICY,
            Mode.RECORD,
            snapshot_dir=out,
            live_transport=httpx.MockTransport(fake),
            clock=VirtualClock(),
            rng=random.Random(0),
        )
        with source:
            client = TradeStatClient(source)
            for key in keys:
                edition = edition_for_period(key.replace("-", ""))
                codes = hs8_map.filter(pl.col("hs_edition") == edition)["hs8"].to_list()
                fetch_month(client, key, codes)
    return fake, client


def verify(out: Path, keys: list[str]) -> dict:
    """Replay the snapshot through the asset's fetch and normalise; the totals it loads."""
    hs8_map, crosswalk = load_hs8_map(), load_crosswalk()
    frames = []
    with SourceClient(TRADESTAT_POLICY, Mode.REPLAY, snapshot_dir=out) as source:
        client = TradeStatClient(source)
        for key in keys:
            edition = edition_for_period(key.replace("-", ""))
            codes = hs8_map.filter(pl.col("hs_edition") == edition)["hs8"].to_list()
            facts, _ = normalise_month(
                fetch_month(client, key, codes), hs8_map, crosswalk, is_sample_data=True
            )
            frames.append(facts)
        stats = client.stats
    facts = pl.concat(frames)
    totals = (
        facts.group_by("period", "flow_code")
        .agg(pl.col("value_usd").sum().round(2), pl.len().alias("rows"))
        .sort("period", "flow_code")
    )
    return {
        "months": keys,
        "rows": facts.height,
        "minerals": facts["mineral_id"].n_unique(),
        "hs8_codes": facts["hs8"].n_unique(),
        "partners": facts["partner_dgcis_code"].n_unique(),
        "form_gets": stats.form_gets,
        "form_posts": stats.posts,
        "page_expired": stats.page_expired,
        "usd_by_period_flow": [
            {"period": p, "flow": f, "value_usd": v, "rows": n} for p, f, v, n in totals.rows()
        ],
    }


def build(out: Path) -> dict:
    keys = months()
    fake, client = record(out, keys)
    expected = verify(out, keys)
    (out / "README.md").write_text(
        README.format(
            start=keys[0], end=keys[-1], posts=client.stats.posts, gets=client.stats.form_gets
        ),
        encoding="utf-8",
    )
    return expected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SNAPSHOT_DIR)
    parser.add_argument("--check", action="store_true", help="rebuild in a temp dir and diff")
    args = parser.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            build(Path(tmp) / "tradestat")
            cmp = filecmp.dircmp(Path(tmp) / "tradestat", SNAPSHOT_DIR)
            diff = cmp.diff_files + cmp.left_only + cmp.right_only
            if (Path(tmp) / "tradestat" / "exchanges.jsonl").read_bytes() != (
                SNAPSHOT_DIR / "exchanges.jsonl"
            ).read_bytes():
                diff.append("exchanges.jsonl")
            if diff:
                print(f"snapshot/tradestat differs from a rebuild: {sorted(set(diff))}")
                return 1
            print("snapshot/tradestat is what the builder makes")
            return 0
    expected = build(args.out)
    if args.out == SNAPSHOT_DIR:
        EXPECTED_PATH.write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in expected.items() if k != "usd_by_period_flow"}, indent=2))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
