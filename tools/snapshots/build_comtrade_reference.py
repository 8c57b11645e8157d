"""Build the bundled Comtrade reference snapshot ``snapshot/comtrade_ref/``.

The real reference files cannot be downloaded here, so their content is *authored* in
``tools/snapshots/comtrade_ref_src/`` (``hs_codes.psv``: HS2017/HS2022 codes with descriptions;
``areas.psv``: reporter/partner areas) and rendered in the real files' shape:

* ``H5.json`` / ``H6.json``: ``{"more","minimumInputLength","classCode","className","results"}``,
  tab-indented with CRLF line ends, ``isLeaf`` as the strings "0"/"1", ``aggrlevel`` 0/2/4/6,
  a ``TOTAL`` root, chapters, headings and HS6 codes;
* ``Reporters.json`` / ``partnerAreas.json``: ``{"results": [...]}``, two-space indented, with the
  reporter fields (``reporterCode``, ``reporterCodeIsoAlpha3``...) and the partner fields
  (``PartnerCode``, ``PartnerCodeIsoAlpha3`` with a capital P...); ``entryExpiredDate`` and
  missing ISO codes are left out of a record rather than written as null.

The bodies are served by an ``httpx.MockTransport`` and recorded with the project's own
``SourceClient`` in record mode, fetching exactly the URLs the loader requests
(``assets.reference.policy.REFERENCE_URLS``), so the snapshot has the format of
``pipelines.snapshot``. The run is deterministic: the output directory is rebuilt from scratch and
``fetched_at`` is pinned to :data:`FETCHED_AT`. Running it twice gives byte-identical files.

Before writing, the script checks the authored tables (parents present, no HS2022-only code in
H5 and vice versa, every mapped code present in its edition) and afterwards replays the snapshot
through the parsers. Usage::

    .venv/bin/python tools/snapshots/build_comtrade_reference.py [--out snapshot/comtrade_ref]
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import httpx

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pipelines.http as http_module  # noqa: E402
from assets.reference.parse import (  # noqa: E402
    load_hs_map_csv,
    load_minerals_csv,
    parse_countries,
    parse_hs_reference,
    validate_hs_map,
)
from assets.reference.policy import (  # noqa: E402
    COMTRADE_REF_POLICY,
    REFERENCE_URLS,
    fetch_reference_files,
)
from pipelines.http import Mode, SourceClient, VirtualClock  # noqa: E402

SRC = Path(__file__).resolve().parent / "comtrade_ref_src"
DEFAULT_OUT = ROOT / "snapshot" / "comtrade_ref"
MAP_CSV = ROOT / "warehouse" / "reference" / "hs_mineral_map.csv"
MINERALS_CSV = ROOT / "warehouse" / "reference" / "critical_minerals.csv"

#: Pinned so that rebuilding gives identical exchanges.jsonl lines.
FETCHED_AT = "2025-12-07T15:35:57+00:00"

CLASS_NAMES = {"H5": "HS2017", "H6": "HS2022"}
#: HS2022-only and HS2017-only codes that must never leak into the other edition.
H6_ONLY = {
    "810610",
    "810690",
    "811261",
    "811269",
    "810921",
    "810929",
    "810931",
    "810939",
    "810991",
    "810999",
    "811231",
    "811239",
    "811241",
    "811249",
    "810391",
    "810399",
}
H5_ONLY = {"810600", "810720", "810730", "810790", "810920", "810930", "810990", "810390"}


class SourceTableError(ValueError):
    pass


def read_psv(path: Path, n_fields: int) -> list[list[str]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("|")
        if len(fields) != n_fields:
            raise SourceTableError(
                f"{path.name}:{n}: expected {n_fields} fields, got {len(fields)}"
            )
        rows.append(fields)
    return rows


# --------------------------------------------------------------------------- HS files


def hs_codes(edition: str) -> dict[str, tuple[str, str]]:
    """code -> (unit, description) for one edition, checked for completeness."""
    codes: dict[str, tuple[str, str]] = {}
    for code, editions, unit, text in read_psv(SRC / "hs_codes.psv", 4):
        if edition not in editions.split("+"):
            continue
        if code in codes:
            raise SourceTableError(f"hs_codes.psv: {code} listed twice for {edition}")
        codes[code] = (unit, text)
    for code in codes:
        if len(code) > 2 and code[: len(code) - 2] not in codes:
            raise SourceTableError(f"hs_codes.psv: {edition} {code} has no parent {code[:-2]}")
    leaked = (H6_ONLY if edition == "H5" else H5_ONLY) & codes.keys()
    if leaked:
        raise SourceTableError(f"hs_codes.psv: {edition} must not contain {sorted(leaked)}")
    return codes


def hs_document(edition: str) -> bytes:
    codes = hs_codes(edition)
    results: list[dict[str, Any]] = [
        {
            "id": "TOTAL",
            "text": "TOTAL - Total of all HS commodities",
            "parent": "#",
            "isLeaf": "0",
            "aggrlevel": 0,
            "standardUnitAbbr": "n/a",
        }
    ]
    for code in sorted(codes):
        unit, text = codes[code]
        results.append(
            {
                "id": code,
                "text": f"{code} - {text}",
                "parent": "TOTAL" if len(code) == 2 else code[:-2],
                "isLeaf": "1" if len(code) == 6 else "0",
                "aggrlevel": len(code),
                "standardUnitAbbr": unit,
            }
        )
    doc = {
        "more": False,
        "minimumInputLength": 2,
        "classCode": edition,
        "className": CLASS_NAMES[edition],
        "results": results,
    }
    text = json.dumps(doc, indent="\t", ensure_ascii=False).replace("\n", "\r\n")
    return text.encode("utf-8")


# --------------------------------------------------------------------------- area files


def _timestamp(value: str) -> str:
    return value if "T" in value else f"{value}T00:00:00"


def area_documents() -> tuple[bytes, bytes]:
    reporters: list[dict[str, Any]] = []
    partners: list[dict[str, Any]] = []
    seen: set[int] = set()
    rows = read_psv(SRC / "areas.psv", 9)
    for roles, code_s, text, note, iso2, iso3, start, end, group in rows:
        code = int(code_s)
        if code in seen:
            raise SourceTableError(f"areas.psv: area {code} listed twice")
        seen.add(code)
        if roles not in ("R", "P", "RP") or group not in ("true", "false"):
            raise SourceTableError(f"areas.psv: bad roles/isGroup for area {code}")
        tail: dict[str, Any] = {"entryEffectiveDate": _timestamp(start)}
        if end:
            tail["entryExpiredDate"] = _timestamp(end)
        tail["isGroup"] = group == "true"
        if "R" in roles:
            rec: dict[str, Any] = {
                "id": code,
                "text": text,
                "reporterCode": code,
                "reporterDesc": text,
            }
            if note:
                rec["reporterNote"] = note
            if iso2:
                rec["reporterCodeIsoAlpha2"] = iso2
            if iso3:
                rec["reporterCodeIsoAlpha3"] = iso3
            reporters.append(rec | tail)
        if "P" in roles:
            rec = {"id": code, "text": text, "PartnerCode": code, "PartnerDesc": text}
            if note:
                rec["partnerNote"] = note
            if iso2:
                rec["PartnerCodeIsoAlpha2"] = iso2
            if iso3:
                rec["PartnerCodeIsoAlpha3"] = iso3
            partners.append(rec | tail)

    def render(records: list[dict[str, Any]]) -> bytes:
        return (json.dumps({"results": records}, indent=2, ensure_ascii=False) + "\n").encode()

    return render(reporters), render(partners)


# --------------------------------------------------------------------------- recording


def bodies() -> dict[str, bytes]:
    reporters, partners = area_documents()
    return {
        REFERENCE_URLS["H5"]: hs_document("H5"),
        REFERENCE_URLS["H6"]: hs_document("H6"),
        REFERENCE_URLS["reporters"]: reporters,
        REFERENCE_URLS["partners"]: partners,
    }


def check_map_against_sources() -> None:
    """Every mapped code must exist, as a leaf, in the edition the map gives it."""
    by_edition = {ed: hs_codes(ed) for ed in ("H5", "H6")}
    with MAP_CSV.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["hs6"] not in by_edition[row["edition"]]:
                raise SourceTableError(
                    f"hs_mineral_map.csv: {row['hs6']} ({row['mineral_id']}) is mapped to "
                    f"{row['edition']} but hs_codes.psv does not list it there"
                )


def build(out: Path) -> dict[str, int]:
    check_map_against_sources()
    served = bodies()

    def handler(request: httpx.Request) -> httpx.Response:
        body = served.get(str(request.url))
        if body is None:
            return httpx.Response(404, text="The specified blob does not exist.")
        return httpx.Response(
            200,
            content=body,
            headers={
                "Content-Type": "application/json",
                "Cache-Control": "public, max-age=604800",
            },
        )

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    with mock.patch.object(http_module, "_utcnow", return_value=FETCHED_AT):
        client = SourceClient(
            COMTRADE_REF_POLICY,
            Mode.RECORD,
            snapshot_dir=out,
            live_transport=httpx.MockTransport(handler),
            clock=VirtualClock(),
        )
        with client:
            fetched = fetch_reference_files(client)
    (out / "README.md").write_text(README, encoding="utf-8")
    return verify(out, {key: f.sha256 for key, f in fetched.items()})


def verify(out: Path, expected_sha: dict[str, str]) -> dict[str, int]:
    """Replay the snapshot through the loader's own parsers."""
    with SourceClient(COMTRADE_REF_POLICY, Mode.REPLAY, snapshot_dir=out) as client:
        got = fetch_reference_files(client)
    for key, f in got.items():
        if f.sha256 != expected_sha[key]:
            raise SourceTableError(f"replayed {key} differs from the recorded body")
    refs = {ed: parse_hs_reference(got[ed].content, ed, got[ed].url) for ed in ("H5", "H6")}
    countries = parse_countries(
        got["reporters"].content,
        got["partners"].content,
        (got["reporters"].url, got["partners"].url),
    )
    minerals = load_minerals_csv(MINERALS_CSV)
    hs_map = load_hs_map_csv(MAP_CSV)
    validated, problems = validate_hs_map(hs_map, refs, minerals)
    if problems:
        raise SourceTableError("mapping problems:\n" + "\n".join(problems))
    counts = {
        "hs6_H5": refs["H5"].height,
        "hs6_H6": refs["H6"].height,
        "areas": countries.height,
        "reporters": int(countries.get_column("is_reporter").sum()),
        "partners": int(countries.get_column("is_partner").sum()),
        "minerals": minerals.height,
        "map_rows": hs_map.height,
        "validated_H5": validated.filter(validated["edition"] == "H5").height,
        "validated_H6": validated.filter(validated["edition"] == "H6").height,
    }
    return counts


README = """\
# snapshot/comtrade_ref -- bundled Comtrade reference files

Recorded exchanges (format: `pipelines/snapshot.py`) for the four reference files the
`assets.reference` loader fetches from `https://comtradeapi.un.org/files/v1/app/reference/`:
`H5.json`, `H6.json`, `Reporters.json`, `partnerAreas.json`.

**These bodies are authored, not downloaded.** They follow the real files' shape
(shared/research/trade.md 1.8-1.9) and are rendered from the tables in
`tools/snapshots/comtrade_ref_src/` by `tools/snapshots/build_comtrade_reference.py`
(deterministic; rebuild with `.venv/bin/python tools/snapshots/build_comtrade_reference.py`).

* H5/H6 hold a subset of each HS edition (every code in `warehouse/reference/hs_mineral_map.csv`,
  their headings and chapters, and a sample of neighbouring and unrelated codes), not the full
  5 388 / 5 613 HS6 codes. Descriptions are written in Comtrade's style.
* Reporter rows follow a recorded real `Reporters.json` (ropensci/comtradr test fixture,
  2025-12-07); partner-only rows follow the legacy partner list and ISO 3166-1.

To use the real files, record them live:
`SourceClient(COMTRADE_REF_POLICY, Mode.RECORD, snapshot_dir=...)` + `fetch_reference_files`.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    counts = build(args.out)
    for key, value in counts.items():
        print(f"{key:>14}: {value}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
