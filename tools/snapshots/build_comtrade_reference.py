"""Build the bundled Comtrade reference snapshot ``snapshot/comtrade_ref/``.

The snapshot serves UN Comtrade's **full official reference lists** in the shape of the real
reference files. The lists themselves are copied, unchanged, into
``tools/snapshots/comtrade_ref_src/`` (see ``PROVENANCE.md`` there: the Comtrade files as kept by
the rOpenSci ``comtradr`` package, converted to CSV):

* ``hs_H5.csv`` / ``hs_H6.csv`` -> ``H5.json`` / ``H6.json`` (HS 2017: 5,388 six-digit codes;
  HS 2022: 5,613): ``{"more","minimumInputLength","classCode","className","results"}``,
  tab-indented with CRLF line ends like the real blobs, one record per row in the list's order
  with ``id``, ``text`` ("283691 - ..."), ``parent``, ``isLeaf`` (the strings "0"/"1"),
  ``aggrLevel`` (0/2/4/6) and ``standardUnitAbbr``;
* ``reporter_areas.csv`` (255) -> ``Reporters.json`` and ``partner_areas.csv`` (310) ->
  ``partnerAreas.json``: ``{"results": [...]}``, two-space indented, with the reporter fields
  (``reporterCode``, ``reporterCodeIsoAlpha3``...) and the partner fields (``PartnerCode``,
  ``PartnerCodeIsoAlpha3`` with a capital P...); an empty note, ISO code or expiry is left out of
  the record rather than written as null. The CSVs keep only the *year* of
  ``entryEffectiveDate``/``entryExpiredDate``; dates are rebuilt as 1 January / 31 December of
  that year, except the reporter dates in ``reporter_exact_dates.csv`` (the exact timestamps of
  a recorded real ``Reporters.json``). World's ISO3 is ``W00`` (comtradr rewrites it to "World");
* ``qty_units.csv`` (41) -> ``QuantityUnits.json``: ``{"results": [{qtyCode, qtyAbbr,
  qtyDescription}]}``.

The bodies are served by an ``httpx.MockTransport`` and recorded with the project's own
``SourceClient`` in record mode, fetching exactly the URLs the loader requests
(``assets.reference.policy.REFERENCE_URLS``), so the snapshot has the format of
``pipelines.snapshot``. The run is deterministic: the output directory is rebuilt from scratch and
``fetched_at`` is pinned to :data:`FETCHED_AT`. Running it twice gives byte-identical files.

Before writing, the script checks the lists (row counts of the official lists, unique ids, every
parent present, ``aggrLevel``/``isLeaf`` consistent with the code, no HS2022-only code in H5 and
vice versa, every mapped code present as a 6-digit leaf of its edition) and afterwards replays the
snapshot through the loader's parsers. Usage::

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
    parse_quantity_units,
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
#: Size of the official lists (shared/data/README.md); a copy that differs is refused.
EXPECTED_ROWS = {
    "hs_H5.csv": 6709,
    "hs_H6.csv": 6940,
    "partner_areas.csv": 310,
    "reporter_areas.csv": 255,
    "qty_units.csv": 41,
}
EXPECTED_HS6 = {"H5": 5388, "H6": 5613}
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


def read_csv(name: str) -> list[dict[str, str]]:
    path = SRC / name
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    want = EXPECTED_ROWS.get(name)
    if want is not None and len(rows) != want:
        raise SourceTableError(f"{name}: {len(rows)} rows, the official list has {want}")
    return rows


# --------------------------------------------------------------------------- HS files


def hs_rows(edition: str) -> list[dict[str, str]]:
    """The rows of one edition's list, checked for consistency."""
    name = f"hs_{edition}.csv"
    rows = read_csv(name)
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        raise SourceTableError(f"{name}: repeated ids")
    known = set(ids)
    for n, r in enumerate(rows, 2):
        code, level = r["id"], int(r["aggrLevel"])
        if code == "TOTAL":
            if (level, r["parent"], r["isLeaf"]) != (0, "#", "0"):
                raise SourceTableError(f"{name}:{n}: TOTAL must be level 0, parent '#', no leaf")
            continue
        if level != len(code) or not code.isdigit() or level not in (2, 4, 6):
            raise SourceTableError(f"{name}:{n}: {code} has aggrLevel {level}")
        if r["isLeaf"] != ("1" if level == 6 else "0"):
            raise SourceTableError(f"{name}:{n}: {code} has isLeaf {r['isLeaf']!r}")
        if r["parent"] not in known or r["parent"] != ("TOTAL" if level == 2 else code[:-2]):
            raise SourceTableError(f"{name}:{n}: {code} has parent {r['parent']!r}")
        if not r["text"].startswith(f"{code} - "):
            raise SourceTableError(f"{name}:{n}: {code} text does not start with its code")
    six = {c for c in ids if len(c) == 6}
    if len(six) != EXPECTED_HS6[edition]:
        raise SourceTableError(f"{name}: {len(six)} six-digit codes, expected {EXPECTED_HS6}")
    leaked = (H6_ONLY if edition == "H5" else H5_ONLY) & six
    if leaked:
        raise SourceTableError(f"{name}: {edition} must not contain {sorted(leaked)}")
    return rows


def hs_document(edition: str) -> bytes:
    results = [
        {
            "id": r["id"],
            "text": r["text"],
            "parent": r["parent"],
            "isLeaf": r["isLeaf"],
            "aggrLevel": int(r["aggrLevel"]),
            "standardUnitAbbr": r["standardUnitAbbr"],
        }
        for r in hs_rows(edition)
    ]
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


def _year(value: str, name: str, code: str) -> int | None:
    if not value:
        return None
    year = float(value)
    if year != int(year) or not 1800 <= year <= 2100:
        raise SourceTableError(f"{name}: area {code} has year {value!r}")
    return int(year)


def exact_reporter_dates() -> dict[int, tuple[str, str]]:
    with (SRC / "reporter_exact_dates.csv").open(encoding="utf-8", newline="") as fh:
        return {
            int(r["id"]): (r["entryEffectiveDate"], r["entryExpiredDate"])
            for r in csv.DictReader(fh)
        }


def _area_records(name: str, role: str) -> list[dict[str, Any]]:
    """Records of ``Reporters.json`` (role ``reporter``) or ``partnerAreas.json``."""
    exact = exact_reporter_dates() if role == "reporter" else {}
    seen: set[int] = set()
    out = []
    for r in read_csv(name):
        code = int(r["id"])
        if code in seen:
            raise SourceTableError(f"{name}: area {code} listed twice")
        seen.add(code)
        if r["group"] not in ("true", "false"):
            raise SourceTableError(f"{name}: area {code} has group {r['group']!r}")
        start, end = _year(r["entry_year"], name, r["id"]), _year(r["exit_year"], name, r["id"])
        if start is None:
            raise SourceTableError(f"{name}: area {code} has no entry year")
        effective = f"{start}-01-01T00:00:00"
        expired = f"{end}-12-31T00:00:00" if end is not None else ""
        if code in exact:
            effective, expired = exact[code]
            if effective[:4] != str(start) or expired[:4] != ("" if end is None else str(end)):
                raise SourceTableError(
                    f"reporter_exact_dates.csv: area {code} dates {exact[code]} do not match "
                    f"the years {start}-{end} of {name}"
                )
        iso3 = r["iso_3"]
        if code == 0 and iso3 == "World":  # comtradr writes "World"; the Comtrade file has W00
            iso3 = "W00"
        if role == "reporter":
            rec: dict[str, Any] = {
                "id": code,
                "text": r["country"],
                "reporterCode": code,
                "reporterDesc": r["country"],
            }
            keys = ("reporterNote", "reporterCodeIsoAlpha2", "reporterCodeIsoAlpha3")
        else:
            rec = {
                "id": code,
                "text": r["country"],
                "PartnerCode": code,
                "PartnerDesc": r["country"],
            }
            keys = ("partnerNote", "PartnerCodeIsoAlpha2", "PartnerCodeIsoAlpha3")
        for key, value in zip(keys, (r["note"], r["iso_2"], iso3), strict=True):
            if value:
                rec[key] = value
        rec["entryEffectiveDate"] = effective
        if expired:
            rec["entryExpiredDate"] = expired
        rec["isGroup"] = r["group"] == "true"
        out.append(rec)
    return out


def _render(records: list[dict[str, Any]]) -> bytes:
    return (json.dumps({"results": records}, indent=2, ensure_ascii=False) + "\n").encode()


def area_documents() -> tuple[bytes, bytes]:
    return (
        _render(_area_records("reporter_areas.csv", "reporter")),
        _render(_area_records("partner_areas.csv", "partner")),
    )


def qty_units_document() -> bytes:
    records = [
        {
            "qtyCode": int(r["qtyCode"]),
            "qtyAbbr": r["qtyAbbr"],
            "qtyDescription": r["qtyDescription"],
        }
        for r in read_csv("qty_units.csv")
    ]
    return _render(records)


# --------------------------------------------------------------------------- recording


def bodies() -> dict[str, bytes]:
    reporters, partners = area_documents()
    return {
        REFERENCE_URLS["H5"]: hs_document("H5"),
        REFERENCE_URLS["H6"]: hs_document("H6"),
        REFERENCE_URLS["reporters"]: reporters,
        REFERENCE_URLS["partners"]: partners,
        REFERENCE_URLS["qty_units"]: qty_units_document(),
    }


def check_map_against_sources() -> None:
    """Every mapped code must exist, as a 6-digit leaf, in the edition the map gives it."""
    leaves = {
        ed: {r["id"] for r in hs_rows(ed) if r["aggrLevel"] == "6" and r["isLeaf"] == "1"}
        for ed in ("H5", "H6")
    }
    with MAP_CSV.open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh), 2):
            if row["hs6"] not in leaves[row["edition"]]:
                raise SourceTableError(
                    f"hs_mineral_map.csv:{n}: {row['hs6']} ({row['mineral_id']}) is mapped to "
                    f"{row['edition']} but hs_{row['edition']}.csv has no such 6-digit code"
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
    units = parse_quantity_units(got["qty_units"].content, got["qty_units"].url)
    minerals = load_minerals_csv(MINERALS_CSV)
    hs_map = load_hs_map_csv(MAP_CSV)
    validated, problems = validate_hs_map(hs_map, refs, minerals, units)
    if problems:
        raise SourceTableError("mapping problems:\n" + "\n".join(problems))
    for ed in ("H5", "H6"):
        if refs[ed].height != EXPECTED_HS6[ed]:
            raise SourceTableError(f"{ed}.json parses to {refs[ed].height} HS6 codes")
    counts = {
        "hs6_H5": refs["H5"].height,
        "hs6_H6": refs["H6"].height,
        "areas": countries.height,
        "reporters": int(countries.get_column("is_reporter").sum()),
        "partners": int(countries.get_column("is_partner").sum()),
        "groups": int(countries.get_column("is_group").sum()),
        "qty_units": units.height,
        "minerals": minerals.height,
        "map_rows": hs_map.height,
        "validated_H5": validated.filter(validated["edition"] == "H5").height,
        "validated_H6": validated.filter(validated["edition"] == "H6").height,
    }
    return counts


README = """\
# snapshot/comtrade_ref -- bundled Comtrade reference files (full official lists)

Recorded exchanges (format: `pipelines/snapshot.py`) for the five reference files the
`assets.reference` loader fetches from `https://comtradeapi.un.org/files/v1/app/reference/`:
`H5.json`, `H6.json`, `Reporters.json`, `partnerAreas.json` and `QuantityUnits.json`.

The bodies hold UN Comtrade's **complete** lists: HS 2017 (H5: 6,709 entries, of which 5,388
six-digit codes), HS 2022 (H6: 6,940 entries, 5,613 six-digit codes), 255 reporters, 310 partner
areas and 41 quantity units. They are rendered in the real files' JSON shape (shared/research/
trade.md 1.8) by `tools/snapshots/build_comtrade_reference.py` from the lists copied, unchanged,
into `tools/snapshots/comtrade_ref_src/` (provenance in `PROVENANCE.md` there: Comtrade's files as
kept by the rOpenSci comtradr package, HS lists modified 2024-01-16, areas 2025-06-05).
Deterministic: rebuild with `.venv/bin/python tools/snapshots/build_comtrade_reference.py`.

What the rendering adds to the lists (the lists themselves are not changed):

* the envelope (`more`, `minimumInputLength`, `classCode`, `className`) and whitespace of the
  real blobs (HS files tab-indented with CRLF; area files two-space indented);
* `entryEffectiveDate` / `entryExpiredDate` as 1 January / 31 December of the listed year (the
  copies keep the year only), except 14 reporters whose exact timestamps come from a recorded real
  `Reporters.json` (`reporter_exact_dates.csv`); with these, `Reporters.json` is byte-identical
  to that recording (80,812 bytes);
* World's partner ISO3 `W00` (the comtradr copy rewrites it to "World").

To use the live files instead, record them:
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
