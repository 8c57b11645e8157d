"""TradeStat's units, read from the labels the pages print, never assumed.

Reports print their unit twice: in the form's "Values in" select (whose option *codes* differ
from report to report: MEIDB's commodity-wise-all-countries form codes US $ Million 1, Quantity 2
and ₹ Crore 3, where the EIDB forms code ₹ Crore 1 and US $ Million 2) and in the result's header
("Values in US $ Million"). Both are read through :func:`parse_unit_label`, which knows:

| label | kind | one unit of the figure is |
|---|---|---|
| US $ Million (US$ Million, USD Million) | ``usd`` | 1,000,000 US dollars |
| ₹ Crore (Rs. Crore, Rs Crore, INR Crore) | ``inr`` | 10,000,000 rupees |
| ₹ Lakh (Rs. Lakh, Rs Lacs, Rs. Lakhs) | ``inr`` | 100,000 rupees (legacy pages) |
| Quantity | ``qty`` | 1 of the commodity's unit (MEIDB prints quantities as they are) |
| Quantity (in thousands) | ``qty`` | 1,000 of the commodity's unit (EIDB's convention) |

Anything else is :class:`UnknownUnitError`: a figure in an unknown unit never loads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

USD, INR, QTY = "usd", "inr", "qty"


@dataclass(frozen=True)
class Unit:
    kind: str  # usd | inr | qty
    factor: float  # multiply a printed figure by this to get dollars, rupees or units
    label: str  # the label as printed

    @property
    def name(self) -> str:
        return {1e6: "US$ million", 1e7: "Rs crore", 1e5: "Rs lakh", 1.0: "quantity"}.get(
            self.factor, "quantity (thousands)" if self.kind == QTY else self.label
        )


def _key(label: str) -> str:
    text = label.replace("₹", " rs ").replace("$", " $ ").lower()
    text = re.sub(r"[.,:]", " ", text)
    return " ".join(text.split())


_KNOWN: dict[str, tuple[str, float]] = {
    "us $ million": (USD, 1e6),
    "usd million": (USD, 1e6),
    "us $ mn": (USD, 1e6),
    "rs crore": (INR, 1e7),
    "rs crores": (INR, 1e7),
    "inr crore": (INR, 1e7),
    "rs lakh": (INR, 1e5),
    "rs lakhs": (INR, 1e5),
    "rs lacs": (INR, 1e5),
    "rs lac": (INR, 1e5),
    "inr lakh": (INR, 1e5),
    "quantity": (QTY, 1.0),
    "quantity (in thousands)": (QTY, 1e3),
    "quantity in thousands": (QTY, 1e3),
    "quantity (in thousand)": (QTY, 1e3),
}


def parse_unit_label(label: str) -> Unit | None:
    """The :class:`Unit` of a printed label ("US $ Million", "₹ Crore"...), or None if unknown.

    A leading "Values in" is ignored. Callers turn None into :class:`UnknownUnitError` naming
    the report and the field.
    """
    key = _key(label)
    key = re.sub(r"^values in ", "", key)
    known = _KNOWN.get(key)
    return Unit(known[0], known[1], " ".join(label.split())) if known else None


#: Plausible rupees per US dollar for the periods TradeStat covers (2017-18 onwards: 63 to 90).
#: A ₹ figure whose implied rate falls outside this band is in another unit than its label says
#: (lakh printed as crore is 100 times off; dollars printed as rupees about 80 times).
INR_PER_USD_BAND = (50.0, 120.0)
