"""The Comtrade final-data record as the normaliser reads it: the 47 fields, which of them it
needs (and how: kind, nullability, bounds, in the order the rules check a record), and the
errors that name a record (shared/research/trade.md §1.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assets.comtrade.client import ComtradeError

#: The 47 fields of a final-data record, in API spelling (trade.md §1.5).
RECORD_FIELDS: tuple[str, ...] = (
    "typeCode", "freqCode", "refPeriodId", "refYear", "refMonth", "period", "reporterCode",
    "reporterISO", "reporterDesc", "flowCode", "flowDesc", "partnerCode", "partnerISO",
    "partnerDesc", "partner2Code", "partner2ISO", "partner2Desc", "classificationCode",
    "classificationSearchCode", "isOriginalClassification", "cmdCode", "cmdDesc", "aggrLevel",
    "isLeaf", "customsCode", "customsDesc", "mosCode", "motCode", "motDesc", "qtyUnitCode",
    "qtyUnitAbbr", "qty", "isQtyEstimated", "altQtyUnitCode", "altQtyUnitAbbr", "altQty",
    "isAltQtyEstimated", "netWgt", "isNetWgtEstimated", "grossWgt", "isGrossWgtEstimated",
    "cifvalue", "fobvalue", "primaryValue", "legacyEstimationFlag", "isReported", "isAggregate",
)  # fmt: skip

CANONICAL = {name.lower(): name for name in RECORD_FIELDS}

#: Needed by the normaliser, present and non-null.
REQUIRED_FIELDS: tuple[str, ...] = (
    "freqCode", "refYear", "refMonth", "period", "reporterCode", "partnerCode", "partner2Code",
    "flowCode", "cmdCode", "aggrLevel", "classificationCode", "customsCode", "motCode",
    "primaryValue", "isQtyEstimated", "isNetWgtEstimated", "isReported", "isAggregate",
)  # fmt: skip
#: Needed by the normaliser, present; a null value is data (no figure), kept as null.
NULLABLE_FIELDS: tuple[str, ...] = (
    "cifvalue", "fobvalue", "netWgt", "qty", "qtyUnitCode", "qtyUnitAbbr", "legacyEstimationFlag",
)  # fmt: skip
#: Read when present, may be absent.
OPTIONAL_FIELDS: tuple[str, ...] = ("mosCode",)
NEEDED_FIELDS = REQUIRED_FIELDS + NULLABLE_FIELDS

INT32 = (-(2**31), 2**31 - 1)
MAX_NUMBER_CHARS = 64


def shown(value: Any, limit: int = 60) -> str:
    """A short repr for error messages (never raises, whatever the value)."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # an int of > 4300 digits, deeply nested lists
        size = f"{value.bit_length()} bits" if isinstance(value, int) else "deeply nested"
        text = f"<{type(value).__name__}: {size}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ComtradeRecordError(ComtradeError):
    """A record that cannot be normalised; names the URL, the record and the field.

    ``index`` is the record's position in its answer's ``data`` list; ``period``, ``cmd_code``
    and ``partner_code`` are the record's own values (as served, abbreviated) when it has them.
    """

    def __init__(
        self,
        url: str,
        field_name: str,
        message: str,
        index: int | None = None,
        *,
        period: Any = None,
        cmd_code: Any = None,
        partner_code: Any = None,
    ) -> None:
        self.url = url
        self.field = field_name
        self.index = index
        self.period = period
        self.cmd_code = cmd_code
        self.partner_code = partner_code
        where = f"record {index}" if index is not None else "a record"
        ctx = ", ".join(
            f"{name} {shown(v, 40)}"
            for name, v in (
                ("period", period),
                ("cmdCode", cmd_code),
                ("partnerCode", partner_code),
            )
            if v is not None
        )
        if ctx:
            where += f" ({ctx})"
        super().__init__(f"[comtrade] {where} field {field_name!r}: {message} (url={url})")


class ComtradeSchemaError(ComtradeRecordError):
    """Schema drift: a field the normaliser needs is absent from a record.

    ``unknown`` lists the keys the record carries that are not in Comtrade's record schema (a
    renamed field shows up there).
    """

    def __init__(
        self, url: str, field_name: str, message: str, index: int | None = None, **ctx: Any
    ) -> None:
        self.unknown: list[str] = list(ctx.pop("unknown", []))
        super().__init__(url, field_name, message, index, **ctx)


@dataclass(frozen=True)
class Field:
    """A field the normaliser reads: its kind (int, float, bool, str, period, mos), whether a
    null is an error, and an integer's bounds."""

    name: str
    kind: str
    required: bool
    bounds: tuple[int, int] = INT32


#: Every field read, in the order the rules check a record (an error names the first failure).
FIELDS: tuple[Field, ...] = (
    Field("freqCode", "str", True),
    Field("refYear", "int", True),
    Field("refMonth", "int", True),
    Field("period", "period", True),
    Field("cmdCode", "str", True),
    Field("aggrLevel", "int", True, (0, 12)),
    Field("flowCode", "str", True),
    Field("mosCode", "mos", False),
    Field("qtyUnitCode", "int", False),
    Field("qtyUnitAbbr", "str", False),
    Field("reporterCode", "int", True),
    Field("partnerCode", "int", True),
    Field("classificationCode", "str", True),
    Field("primaryValue", "float", True),
    Field("cifvalue", "float", False),
    Field("fobvalue", "float", False),
    Field("netWgt", "float", False),
    Field("qty", "float", False),
    Field("isQtyEstimated", "bool", True),
    Field("isNetWgtEstimated", "bool", True),
    Field("isReported", "bool", True),
    Field("isAggregate", "bool", True),
    Field("legacyEstimationFlag", "int", False),
    Field("partner2Code", "int", True),
    Field("customsCode", "str", True),
    Field("motCode", "int", True),
)
FIELD_BY_NAME = {f.name: f for f in FIELDS}


def message_column(name: str) -> str:
    return f"!{name}"


def missing_column(name: str) -> str:
    return f"?{name}"
