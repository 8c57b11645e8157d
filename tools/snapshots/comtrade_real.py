"""The 36 real UN Comtrade records bundled with the project, as the API serves them.

``comtrade_real_src/india_imports_2504_2822_282520.csv`` holds 36 real Comtrade v1 final-data
records (all 47 fields, exported to a spreadsheet by a public analysis project; provenance in
``comtrade_real_src/PROVENANCE.md``): reporter India (699), imports, annual 2019-2024, HS 2504
(natural graphite), 2822 (cobalt oxides and hydroxides) and 282520 (lithium oxide and
hydroxide), partners World (0) and China (156).

:func:`load_real_records` turns the CSV rows back into JSON records with the API's types
(shared/research/trade.md section 1.5): integers for codes and periods ids, ``period`` and
``cmdCode`` as strings, booleans for the ``is*`` flags, floats for values and quantities, and an
empty cell as ``null``. So the real quirks survive: ``fobvalue`` 0 in the H5 years and null in
the H6 years, ``refMonth`` 52, 4-digit aggregates with ``aggrLevel`` 4 and ``isLeaf`` false.

Used by ``build_comtrade.py`` (the real records replace the sample ones for their keys) and by
the normaliser's tests (``tests/comtrade/test_real_records.py``).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

REAL_CSV = (
    Path(__file__).resolve().parent / "comtrade_real_src" / "india_imports_2504_2822_282520.csv"
)

#: The 47 fields in the order the API serves them, with their JSON type.
FIELD_TYPES: dict[str, type] = {
    "typeCode": str, "freqCode": str, "refPeriodId": int, "refYear": int, "refMonth": int,
    "period": str, "reporterCode": int, "reporterISO": str, "reporterDesc": str,
    "flowCode": str, "flowDesc": str, "partnerCode": int, "partnerISO": str, "partnerDesc": str,
    "partner2Code": int, "partner2ISO": str, "partner2Desc": str, "classificationCode": str,
    "classificationSearchCode": str, "isOriginalClassification": bool, "cmdCode": str,
    "cmdDesc": str, "aggrLevel": int, "isLeaf": bool, "customsCode": str, "customsDesc": str,
    "mosCode": str, "motCode": int, "motDesc": str, "qtyUnitCode": int, "qtyUnitAbbr": str,
    "qty": float, "isQtyEstimated": bool, "altQtyUnitCode": int, "altQtyUnitAbbr": str,
    "altQty": float, "isAltQtyEstimated": bool, "netWgt": float, "isNetWgtEstimated": bool,
    "grossWgt": float, "isGrossWgtEstimated": bool, "cifvalue": float, "fobvalue": float,
    "primaryValue": float, "legacyEstimationFlag": int, "isReported": bool, "isAggregate": bool,
}  # fmt: skip

#: Columns the API may serve as null (no figure); any other empty cell is an error.
NULLABLE = {"qty", "altQty", "netWgt", "grossWgt", "cifvalue", "fobvalue"}


class RealRecordError(ValueError):
    pass


def _value(name: str, text: str, where: str) -> Any:
    kind = FIELD_TYPES[name]
    if text == "":
        if name in NULLABLE:
            return None
        raise RealRecordError(f"{where}: field {name!r} is empty")
    if kind is bool:
        if text not in ("True", "False"):
            raise RealRecordError(f"{where}: field {name!r} is {text!r}, not True/False")
        return text == "True"
    if kind is int:
        return int(text)
    if kind is float:
        return float(text)
    return text


def load_real_records(path: Path = REAL_CSV) -> list[dict[str, Any]]:
    """The CSV's rows as Comtrade JSON records (47 fields, API order and types)."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if list(reader.fieldnames or []) != list(FIELD_TYPES):
            raise RealRecordError(f"{path.name}: header is not the 47 Comtrade fields in order")
        return [
            {name: _value(name, row[name], f"{path.name}:{n}") for name in FIELD_TYPES}
            for n, row in enumerate(reader, 2)
        ]


def grain(rec: dict[str, Any]) -> tuple[str, str, int, str, int, str]:
    """(freq, period, reporter, flow, partner, cmdCode): one record per key in an answer."""
    return (
        rec["freqCode"],
        rec["period"],
        rec["reporterCode"],
        rec["flowCode"],
        rec["partnerCode"],
        rec["cmdCode"],
    )
