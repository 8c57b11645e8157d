"""The report forms: CSRF token and the fields to post, read from the form page itself.

TradeStat's field names and option codes differ per report and per flow (trade.md 2.3): the
monthly commodity-wise-all-countries import form names its fields ``cwacimHSCODE``,
``cwacimMonth``, ``cwacimYear``, ``cwacimReportVal`` and ``cwacimReportYear`` and codes its
"Values in" options US $ Million 1, Quantity 2, ₹ Crore 3, while other reports code ₹ Crore 1.
Nothing is hard-coded: :func:`parse_form` finds each field by what its options say:

* the **month** select lists the twelve month names; the **year** select lists years
  (``2024`` or ``2024-2025``); the **values** select lists unit labels that
  :func:`~assets.tradestat.units.parse_unit_label` knows; the **year type** select lists
  "Financial Year" and "Calendar Year";
* the **HS code** is the one text/search input of the form that is not the CSRF token (the
  "Search HS Code" modal's ``hscode_value`` and ``description_value`` live outside the form and
  are not posted);
* a "specific commodity" radio (``value="specific"``) and an HS-level select ("8 Digit") are
  set when the form has them (the national commodity-wise form).

A form that lacks one of these fails with :class:`LayoutChangedError` naming the report and the
missing field: a form that changed must be looked at, not guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Tag

from assets.tradestat.errors import LayoutChangedError, UnknownUnitError
from assets.tradestat.fiscal import MONTH_NAMES
from assets.tradestat.policy import Report
from assets.tradestat.units import Unit, parse_unit_label

#: Inputs of the HS-code search modal; they are not part of the report form.
MODAL_INPUTS = frozenset({"hscode_value", "description_value"})
YEAR_TYPES = {"financial year": "FY", "calendar year": "CY"}
_YEAR_LABEL = re.compile(r"^(\d{4})(?:\s*-\s*\d{4})?$")
_LEVEL_LABEL = re.compile(r"^(2|4|6|8)(?:\s*digits?)?$", re.IGNORECASE)


def _text(node: Tag) -> str:
    return " ".join(node.get_text(" ").replace("\xa0", " ").split())


@dataclass(frozen=True)
class ReportForm:
    """A report's form as served: where to post, the token, and how to fill each field."""

    report: Report
    action: str
    token: str
    hs_field: str
    month_field: str
    months: dict[int, str]
    year_field: str
    years: dict[int, str]
    value_field: str
    units: dict[str, tuple[str, Unit]]  # kind (usd|inr|qty) -> (option value, unit)
    year_type_field: str
    year_types: dict[str, str]  # FY|CY -> option value
    fixed: dict[str, str] = field(default_factory=dict)  # radio / level fields

    def fields(
        self, hs_code: str, year: int, month: int, unit_kind: str, year_type: str, period: str
    ) -> dict[str, str]:
        """The form fields (without ``_token``) for one request; typed errors name the field."""

        def need(mapping: dict, key, name: str):
            if key not in mapping:
                raise LayoutChangedError(
                    self.report.path,
                    period,
                    name,
                    f"the form offers no option for {key!r} (options: {sorted(mapping)})",
                    url=self.report.url,
                    flow=self.report.flow,
                )
            return mapping[key]

        return {
            self.hs_field: hs_code,
            self.month_field: need(self.months, month, self.month_field),
            self.year_field: need(self.years, year, self.year_field),
            self.value_field: need(self.units, unit_kind, self.value_field)[0],
            self.year_type_field: need(self.year_types, year_type, self.year_type_field),
            **self.fixed,
        }


def _options(select: Tag) -> list[tuple[str, str]]:
    """(value, label) pairs, duplicates dropped (the real forms repeat the selected option)."""
    seen: dict[tuple[str, str], None] = {}
    for opt in select.find_all("option"):
        value = opt.get("value")
        label = _text(opt)
        if value is None or not label or label.startswith("--"):
            continue
        seen[(str(value).strip(), label)] = None
    return list(seen)


def parse_form(html: str | bytes, report: Report, period: str) -> ReportForm:
    """The :class:`ReportForm` of a report's page (GET), or :class:`LayoutChangedError`."""

    def fail(name: str, message: str) -> LayoutChangedError:
        return LayoutChangedError(
            report.path, period, name, message, url=report.url, flow=report.flow
        )

    soup = BeautifulSoup(html, "lxml")
    form = None
    for candidate in soup.find_all("form"):
        if candidate.find("input", attrs={"name": "_token"}) is not None:
            form = candidate
            break
    if form is None:
        raise fail("form", "no form with a _token input on the report page")
    token = (form.find("input", attrs={"name": "_token"}).get("value") or "").strip()
    if not token:
        raise fail("_token", "the form's CSRF token is empty")
    action = (form.get("action") or report.url).strip()

    roles: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for select in form.find_all("select"):
        name = (select.get("name") or "").strip()
        opts = _options(select)
        if not name or not opts:
            continue
        labels = [label for _, label in opts]
        lowered = {label.lower() for label in labels}
        if {m.lower() for m in MONTH_NAMES} <= lowered:
            role = "month"
        elif lowered & set(YEAR_TYPES):
            role = "year_type"
        elif all(_YEAR_LABEL.match(label) for label in labels):
            role = "year"
        elif all(_LEVEL_LABEL.match(label) for label in labels):
            role = "level"
        elif any(re.search(r"million|crore|lakh|lacs|quantity", lab) for lab in lowered):
            role = "value"
        else:
            continue
        if role in roles:
            raise fail(name, f"two selects look like the {role} field: {roles[role][0]}, {name}")
        roles[role] = (name, opts)
    for role in ("month", "year", "value", "year_type"):
        if role not in roles:
            raise fail(role, f"the form has no {role} select")

    month_name, month_opts = roles["month"]
    months: dict[int, str] = {}
    for value, label in month_opts:
        for i, m in enumerate(MONTH_NAMES, 1):
            if label.lower() == m.lower():
                months[i] = value
    year_name, year_opts = roles["year"]
    years = {int(_YEAR_LABEL.match(label).group(1)): value for value, label in year_opts}
    type_name, type_opts = roles["year_type"]
    year_types = {
        YEAR_TYPES[label.lower()]: value
        for value, label in type_opts
        if label.lower() in YEAR_TYPES
    }
    value_name, value_opts = roles["value"]
    units: dict[str, tuple[str, Unit]] = {}
    for value, label in value_opts:
        unit = parse_unit_label(label)
        if unit is None:
            raise UnknownUnitError(
                report.path,
                period,
                value_name,
                f"the 'Values in' option {label!r} (value {value!r}) is not a unit the "
                "parser knows",
                url=report.url,
                flow=report.flow,
            )
        if unit.kind in units and units[unit.kind][0] != value:
            raise fail(value_name, f"two options for {unit.kind}: {units[unit.kind]}, {value}")
        units[unit.kind] = (value, unit)

    hs_inputs = [
        inp.get("name")
        for inp in form.find_all("input")
        if (inp.get("type") or "text").lower() in ("text", "search")
        and inp.get("name")
        and inp.get("name") not in MODAL_INPUTS
        and inp.get("name") != "_token"
    ]
    if len(hs_inputs) != 1:
        raise fail("HS code", f"expected one HS-code input in the form, found {hs_inputs}")

    fixed: dict[str, str] = {}
    for radio in form.find_all("input", attrs={"type": "radio"}):
        if (radio.get("value") or "").lower() == "specific" and radio.get("name"):
            fixed[radio["name"]] = radio["value"]
    if "level" in roles:
        level_name, level_opts = roles["level"]
        eight = [v for v, label in level_opts if _LEVEL_LABEL.match(label).group(1) == "8"]
        if not eight:
            raise fail(level_name, "the HS-level select has no 8-digit option")
        fixed[level_name] = eight[0]

    return ReportForm(
        report=report,
        action=action,
        token=token,
        hs_field=hs_inputs[0],
        month_field=month_name,
        months=months,
        year_field=year_name,
        years=years,
        value_field=value_name,
        units=units,
        year_type_field=type_name,
        year_types=year_types,
        fixed=fixed,
    )


_TOKEN_RE = re.compile(rb'<input[^>]*name="_token"[^>]*value="([^"]+)"')


def page_token(html: bytes) -> str | None:
    """The CSRF token a result page carries (its form repeats it), if any (a cheap scan)."""
    m = _TOKEN_RE.search(html)
    return m.group(1).decode("ascii", "replace") if m else None
