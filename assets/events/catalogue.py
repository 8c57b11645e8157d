"""The event catalogue (``warehouse/reference/event_catalogue.yaml``): load, validate, tabulate.

The catalogue is a reviewed file of real critical-mineral policy events since 2017 (India's own
measures, its partners' and China's export controls), each with a date and its precision, a
jurisdiction, an instrument type and status from the tagger's vocabulary
(``assets/events/vocab/``), minerals, actors with roles, typed amounts, the HS codes a measure
names, PIB PRIDs, source links, a confidence and a note on conflicting sources.

* :func:`load_catalogue` parses and validates the file and returns :class:`CatalogueEvent` rows;
  every problem is collected and raised together as :class:`CatalogueError`, each message
  naming the file, the event id and the field.
* :func:`catalogue_frames` turns the events into the rows of ``policy_event`` (``origin =
  'catalogue'``), ``event_mineral``, ``event_country``, ``event_amount`` and ``event_hs_code``,
  all in the load slice :data:`CATALOGUE_SLICE`.

``python -m assets.events.catalogue`` validates the file and prints counts.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
import yaml

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE_PATH = ROOT / "warehouse" / "reference" / "event_catalogue.yaml"
MINERALS_CSV = ROOT / "warehouse" / "reference" / "critical_minerals.csv"
VOCAB_DIR = Path(__file__).resolve().parent / "vocab"

CATALOGUE_SLICE = "catalogue"
"""load_slice of every catalogue row: the event_catalogue asset swaps exactly this slice."""
EVENT_ID_PREFIX = "cat-"
PRECISIONS = ("day", "month", "year")
DIRECTIONS = ("restrictive", "liberalising", "supportive", "neutral")
RELATIONS = (
    "amends",
    "implements",
    "part_of",
    "reoffers",
    "results_of",
    "reviews",
    "supersedes",
    "suspends",
)
JURISDICTION_GROUPS = ("bilateral", "multilateral")
PIB_URL = "https://www.pib.gov.in/PressReleasePage.aspx?PRID={}&reg=3&lang=1"
REQUIRED = (
    "id",
    "date",
    "precision",
    "jurisdiction",
    "type",
    "status",
    "direction",
    "title",
    "description",
    "sources",
    "confidence",
)
OPTIONAL = (
    "effective_date",
    "end_date",
    "minerals",
    "countries",
    "amounts",
    "hs_codes",
    "prids",
    "related",
    "relation",
    "note",
)
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_URL = re.compile(r"^https?://[^\s/]+\.[^\s/]+\S*$")
_HS = re.compile(r"^\d{4}(\d{2}){0,3}$")


class CatalogueError(ValueError):
    """The catalogue file is invalid; ``problems`` lists every error found."""

    def __init__(self, path: Path, problems: Sequence[str]):
        self.path, self.problems = path, list(problems)
        head = f"event catalogue {path}: {len(self.problems)} problem(s)"
        super().__init__(head + "\n  " + "\n  ".join(self.problems))


@dataclass(frozen=True)
class Actor:
    area_code: int
    name: str
    role: str


@dataclass(frozen=True)
class CatalogueAmount:
    value: float
    unit: str
    kind: str
    raw_text: str


@dataclass(frozen=True)
class CatalogueEvent:
    id: str
    date: date
    precision: str
    jurisdiction: str
    type: str
    status: str
    direction: str
    title: str
    description: str
    sources: tuple[str, ...]
    confidence: float
    effective_date: date | None = None
    end_date: date | None = None
    minerals: tuple[str, ...] = ()
    countries: tuple[Actor, ...] = ()
    amounts: tuple[CatalogueAmount, ...] = ()
    hs_codes: tuple[tuple[str, str], ...] = ()  # (mineral_id, code as named, digits only)
    prids: tuple[int, ...] = ()
    related: tuple[str, ...] = ()
    relation: str | None = None
    note: str | None = None
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def event_id(self) -> str:
        return EVENT_ID_PREFIX + self.id

    @property
    def is_china_export_control(self) -> bool:
        return self.jurisdiction == "CN" and self.type == "export_control"


# --------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True)
class CatalogueVocab:
    event_types: frozenset[str]
    statuses: frozenset[str]
    roles: frozenset[str]
    units: frozenset[str]
    kinds: frozenset[str]
    mineral_ids: frozenset[str]
    actor_types: dict[str, str]  # canonical name or alias -> actor type


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: (v or "").strip() for k, v in r.items()} for r in csv.DictReader(fh)]


def load_catalogue_vocab(
    vocab_dir: Path | str = VOCAB_DIR, minerals_csv: Path | str = MINERALS_CSV
) -> CatalogueVocab:
    """The controlled values a catalogue row must use, read from the tagger's vocabulary."""
    d = Path(vocab_dir)
    actor_types: dict[str, str] = {}
    for r in _csv(d / "actors.csv"):
        actor_types.setdefault(r["canonical_name"], r["actor_type"])
        actor_types.setdefault(r["alias"], r["actor_type"])
    return CatalogueVocab(
        event_types=frozenset(r["event_type"] for r in _csv(d / "event_types.csv")),
        statuses=frozenset(r["status"] for r in _csv(d / "statuses.csv")),
        roles=frozenset(r["role"] for r in _csv(d / "roles.csv")),
        units=frozenset(r["unit"] for r in _csv(d / "units.csv")),
        kinds=frozenset(r["kind"] for r in _csv(d / "amount_kinds.csv")),
        mineral_ids=frozenset(r["mineral_id"] for r in _csv(Path(minerals_csv))),
        actor_types=actor_types,
    )


# --------------------------------------------------------------------------- validation


def hs_digits(code: object) -> str:
    """A code as named ('8112.92.9010', '2504 10') reduced to its digits."""
    return re.sub(r"[\s.]", "", str(code))


def hs_prefix(code: str) -> str:
    """The part of a (national, up to 10-digit) code that HS6 trade data can match: 6 digits,
    or the whole code when shorter (a 4-digit heading matches every HS6 under it)."""
    return hs_digits(code)[:6]


def looks_like_hs(code: object) -> bool:
    """4, 6, 8 or 10 digits, chapter 01-97."""
    d = hs_digits(code)
    return bool(_HS.match(d)) and 1 <= int(d[:2]) <= 97


def _as_date(v: object) -> date | None:
    if isinstance(v, date):
        return v
    if isinstance(v, str):
        try:
            return date.fromisoformat(v)
        except ValueError:
            return None
    return None


def _validate_row(
    i: int, row: object, vocab: CatalogueVocab, known_areas: frozenset[int] | None
) -> tuple[list[str], CatalogueEvent | None]:
    if not isinstance(row, Mapping):
        return [f"entry #{i}: not a mapping"], None
    rid = str(row.get("id") or f"#{i}")
    errs: list[str] = []

    def err(fld: str, msg: str) -> None:
        errs.append(f"event {rid}: field {fld}: {msg}")

    for k in REQUIRED:
        if row.get(k) in (None, "", []):
            err(k, "missing")
    for k in row:
        if k not in REQUIRED and k not in OPTIONAL:
            err(k, "unknown field")
    if row.get("id") and not _SLUG.match(str(row["id"])):
        err("id", "must be a lower-case slug (a-z, 0-9, hyphens)")
    day = _as_date(row.get("date"))
    if row.get("date") is not None and day is None:
        err("date", f"{row.get('date')!r} is not an ISO date")
    precision = row.get("precision")
    if precision is not None and precision not in PRECISIONS:
        err("precision", f"{precision!r} not in {PRECISIONS}")
    if day and precision == "month" and day.day != 1:
        err("date", "month precision needs the first day of the month")
    if day and precision == "year" and (day.month, day.day) != (1, 1):
        err("date", "year precision needs 1 January")
    if day and not (date(2017, 1, 1) <= day <= date(2026, 12, 31)):
        err("date", f"{day} outside 2017-01-01..2026-12-31")
    dates = {}
    for k in ("effective_date", "end_date"):
        if row.get(k) is not None:
            dates[k] = _as_date(row.get(k))
            if dates[k] is None:
                err(k, f"{row.get(k)!r} is not an ISO date")
    if day and dates.get("effective_date") and dates["effective_date"] < day:
        err("effective_date", "before the event date")
    if dates.get("end_date") and day and dates["end_date"] < day:
        err("end_date", "before the event date")
    jur = str(row.get("jurisdiction") or "")
    if jur and not (re.fullmatch(r"[A-Z]{2}", jur) or jur in JURISDICTION_GROUPS):
        err("jurisdiction", f"{jur!r}: ISO alpha-2 code or one of {JURISDICTION_GROUPS}")
    if row.get("type") and row["type"] not in vocab.event_types:
        err("type", f"{row['type']!r} not in vocab/event_types.csv")
    if row.get("status") and row["status"] not in vocab.statuses:
        err("status", f"{row['status']!r} not in vocab/statuses.csv")
    if row.get("direction") and row["direction"] not in DIRECTIONS:
        err("direction", f"{row['direction']!r} not in {DIRECTIONS}")
    conf = row.get("confidence")
    if conf is not None and not (
        isinstance(conf, int | float) and not isinstance(conf, bool) and 0 < conf <= 1
    ):
        err("confidence", f"{conf!r} must be a number in (0, 1]")
    minerals = row.get("minerals") or []
    if not isinstance(minerals, list):
        err("minerals", "must be a list")
        minerals = []
    for m in minerals:
        if m not in vocab.mineral_ids:
            err("minerals", f"{m!r} is not a mineral_id of critical_minerals.csv")
    if len(set(minerals)) != len(minerals):
        err("minerals", "duplicates")
    actors: list[Actor] = []
    for a in row.get("countries") or []:
        if not (isinstance(a, list) and len(a) == 3):
            err("countries", f"{a!r}: expected [area_code, actor, role]")
            continue
        code, name, role = a
        if not isinstance(code, int) or isinstance(code, bool):
            err("countries", f"{a!r}: area code must be an integer (Comtrade)")
            continue
        if known_areas is not None and code not in known_areas:
            err("countries", f"{a!r}: area code {code} unknown to Comtrade's area list")
        if role not in vocab.roles:
            err("countries", f"{a!r}: role {role!r} not in vocab/roles.csv")
        if not str(name or "").strip():
            err("countries", f"{a!r}: empty actor name")
        actors.append(Actor(code, str(name), str(role)))
    if len({(a.name, a.role) for a in actors}) != len(actors):
        err("countries", "the same actor twice with the same role")
    amounts: list[CatalogueAmount] = []
    for a in row.get("amounts") or []:
        if not (isinstance(a, list) and len(a) == 4):
            err("amounts", f"{a!r}: expected [value, unit, kind, text]")
            continue
        value, unit, kind, text = a
        if not (isinstance(value, int | float) and not isinstance(value, bool) and value > 0):
            err("amounts", f"{a!r}: value must be a positive number")
            continue
        if unit not in vocab.units:
            err("amounts", f"{a!r}: unit {unit!r} not in vocab/units.csv")
        if kind not in vocab.kinds:
            err("amounts", f"{a!r}: kind {kind!r} not in vocab/amount_kinds.csv")
        amounts.append(CatalogueAmount(float(value), str(unit), str(kind), str(text)))
    hs: list[tuple[str, str]] = []
    raw_hs = row.get("hs_codes") or {}
    if not isinstance(raw_hs, Mapping):
        err("hs_codes", "must map mineral_id -> list of codes")
        raw_hs = {}
    for m, codes in raw_hs.items():
        if m not in minerals:
            err("hs_codes", f"mineral {m!r} is not in the event's minerals")
        for c in codes or []:
            if not isinstance(c, str):
                err("hs_codes", f"{m}: {c!r} must be quoted (a string keeps leading zeros)")
            elif not looks_like_hs(c):
                err("hs_codes", f"{m}: {c!r} does not look like an HS code (4-10 digits)")
            else:
                hs.append((m, hs_digits(c)))
    if len(set(hs)) != len(hs):
        err("hs_codes", "duplicate code for a mineral")
    prids = row.get("prids") or []
    if not all(isinstance(p, int) and not isinstance(p, bool) and p > 0 for p in prids):
        err("prids", f"{prids!r}: PIB PRIDs are positive integers")
        prids = []
    sources = row.get("sources") or []
    if not isinstance(sources, list):
        err("sources", "must be a list of URLs")
        sources = []
    for s in sources:
        if not (isinstance(s, str) and _URL.match(s)):
            err("sources", f"{s!r} is not an http(s) URL")
    related = row.get("related") or []
    relation = row.get("relation")
    if related and relation not in RELATIONS:
        err("relation", f"{relation!r} not in {RELATIONS} (needed with related)")
    if relation and not related:
        err("related", "relation given without related events")
    if errs:
        return errs, None
    return [], CatalogueEvent(
        id=str(row["id"]),
        date=day,  # type: ignore[arg-type]
        precision=str(precision),
        jurisdiction=jur,
        type=str(row["type"]),
        status=str(row["status"]),
        direction=str(row["direction"]),
        title=str(row["title"]).strip(),
        description=" ".join(str(row["description"]).split()),
        sources=tuple(sources),
        confidence=float(conf),  # type: ignore[arg-type]
        effective_date=dates.get("effective_date"),
        end_date=dates.get("end_date"),
        minerals=tuple(minerals),
        countries=tuple(actors),
        amounts=tuple(amounts),
        hs_codes=tuple(hs),
        prids=tuple(int(p) for p in prids),
        related=tuple(str(r) for r in related),
        relation=relation,
        note=" ".join(str(row["note"]).split()) if row.get("note") else None,
    )


def validate_catalogue(
    rows: object,
    vocab: CatalogueVocab | None = None,
    known_areas: Iterable[int] | None = None,
) -> tuple[list[CatalogueEvent], list[str]]:
    """Validate parsed YAML rows; returns (valid events, problems)."""
    vocab = vocab or load_catalogue_vocab()
    areas = frozenset(known_areas) if known_areas is not None else None
    if not isinstance(rows, list):
        return [], ["the file must hold a YAML list of events"]
    events, problems = [], []
    for i, row in enumerate(rows):
        errs, ev = _validate_row(i, row, vocab, areas)
        problems += errs
        if ev:
            events.append(ev)
    ids = Counter(str(r.get("id")) for r in rows if isinstance(r, Mapping))
    problems += [f"event {k}: field id: used {n} times" for k, n in ids.items() if n > 1]
    known = set(ids)
    for ev in events:
        for r in ev.related:
            if r not in known:
                problems.append(f"event {ev.id}: field related: unknown event {r!r}")
            elif r == ev.id:
                problems.append(f"event {ev.id}: field related: refers to itself")
    seen_prids: dict[int, str] = {}
    for ev in events:
        for p in ev.prids:
            if p in seen_prids:
                problems.append(f"event {ev.id}: field prids: {p} already on {seen_prids[p]}")
            seen_prids[p] = ev.id
    return events, problems


def load_catalogue(
    path: Path | str = CATALOGUE_PATH,
    vocab: CatalogueVocab | None = None,
    known_areas: Iterable[int] | None = None,
) -> list[CatalogueEvent]:
    """Parse and validate the catalogue file; raises :class:`CatalogueError` listing every
    problem (file, event id, field, cause)."""
    path = Path(path)
    try:
        rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(path, [f"YAML does not parse: {exc}"]) from exc
    events, problems = validate_catalogue(rows, vocab, known_areas)
    if problems:
        raise CatalogueError(path, problems)
    return events


# --------------------------------------------------------------------------- warehouse rows

EVENT_SCHEMA = {
    "event_id": pl.Utf8,
    "release_date": pl.Date,
    "event_type": pl.Utf8,
    "status": pl.Utf8,
    "title": pl.Utf8,
    "ministry": pl.Utf8,
    "posted_at": pl.Datetime("us", "UTC"),
    "primary_prid": pl.Int64,
    "source_prids": pl.List(pl.Int64),
    "source_urls": pl.List(pl.Utf8),
    "origin": pl.Utf8,
    "load_slice": pl.Utf8,
    "jurisdiction": pl.Utf8,
    "event_date": pl.Date,
    "date_precision": pl.Utf8,
    "effective_date": pl.Date,
    "end_date": pl.Date,
    "direction": pl.Utf8,
    "description": pl.Utf8,
    "confidence": pl.Float64,
    "note": pl.Utf8,
    "related_event_ids": pl.List(pl.Utf8),
    "relation": pl.Utf8,
}
MINERAL_SCHEMA = {
    "event_id": pl.Utf8,
    "release_date": pl.Date,
    "load_slice": pl.Utf8,
    "mineral_id": pl.Utf8,
    "basis": pl.Utf8,
    "confidence": pl.Float64,
    "evidence": pl.Utf8,
}
COUNTRY_SCHEMA = {
    "event_id": pl.Utf8,
    "release_date": pl.Date,
    "load_slice": pl.Utf8,
    "area_code": pl.Int32,
    "actor_name": pl.Utf8,
    "actor_type": pl.Utf8,
    "role": pl.Utf8,
    "evidence": pl.Utf8,
}
AMOUNT_SCHEMA = {
    "event_id": pl.Utf8,
    "release_date": pl.Date,
    "load_slice": pl.Utf8,
    "kind": pl.Utf8,
    "value": pl.Float64,
    "unit": pl.Utf8,
    "raw_text": pl.Utf8,
}
HS_SCHEMA = {
    "event_id": pl.Utf8,
    "load_slice": pl.Utf8,
    "mineral_id": pl.Utf8,
    "hs_code": pl.Utf8,
    "hs_prefix": pl.Utf8,
    "basis": pl.Utf8,
}


def _ministry(ev: CatalogueEvent) -> str:
    for role in ("implementer", "approver", "signatory"):
        for a in ev.countries:
            if a.role == role:
                return a.name
    return ev.jurisdiction


def catalogue_frames(
    events: Sequence[CatalogueEvent], vocab: CatalogueVocab | None = None
) -> dict[str, pl.DataFrame]:
    """Rows of policy_event, event_mineral, event_country, event_amount and event_hs_code for
    the catalogue slice (release_date = event date; event_id = 'cat-' + id)."""
    vocab = vocab or load_catalogue_vocab()
    ev_rows, mi, co, am, hs = [], [], [], [], []
    for e in events:
        urls = [PIB_URL.format(p) for p in e.prids] + list(e.sources)
        ev_rows.append(
            {
                "event_id": e.event_id,
                "release_date": e.date,
                "event_type": e.type,
                "status": e.status,
                "title": e.title,
                "ministry": _ministry(e),
                "posted_at": None,
                "primary_prid": e.prids[0] if e.prids else None,
                "source_prids": list(e.prids),
                "source_urls": list(dict.fromkeys(urls)),
                "origin": "catalogue",
                "load_slice": CATALOGUE_SLICE,
                "jurisdiction": e.jurisdiction,
                "event_date": e.date,
                "date_precision": e.precision,
                "effective_date": e.effective_date,
                "end_date": e.end_date,
                "direction": e.direction,
                "description": e.description,
                "confidence": e.confidence,
                "note": e.note,
                "related_event_ids": [EVENT_ID_PREFIX + r for r in e.related],
                "relation": e.relation,
            }
        )
        base = {"event_id": e.event_id, "release_date": e.date, "load_slice": CATALOGUE_SLICE}
        for m in e.minerals:
            mi.append(
                {**base, "mineral_id": m, "basis": "catalogue", "confidence": e.confidence}
                | {"evidence": None}
            )
        for a in e.countries:
            co.append(
                {
                    **base,
                    "area_code": a.area_code,
                    "actor_name": a.name,
                    "actor_type": vocab.actor_types.get(a.name),
                    "role": a.role,
                    "evidence": None,
                }
            )
        for x in e.amounts:
            am.append(
                {**base, "kind": x.kind, "value": x.value, "unit": x.unit}
                | {"raw_text": x.raw_text}
            )
        for m, code in e.hs_codes:
            hs.append(
                {
                    "event_id": e.event_id,
                    "load_slice": CATALOGUE_SLICE,
                    "mineral_id": m,
                    "hs_code": code,
                    "hs_prefix": hs_prefix(code),
                    "basis": "named_by_measure",
                }
            )
    return {
        "policy_event": pl.DataFrame(ev_rows, schema=EVENT_SCHEMA),
        "event_mineral": pl.DataFrame(mi, schema=MINERAL_SCHEMA),
        "event_country": pl.DataFrame(co, schema=COUNTRY_SCHEMA),
        "event_amount": pl.DataFrame(am, schema=AMOUNT_SCHEMA),
        "event_hs_code": pl.DataFrame(hs, schema=HS_SCHEMA),
    }


def summary(events: Sequence[CatalogueEvent]) -> dict[str, object]:
    """Counts for metadata and the CLI."""
    return {
        "events": len(events),
        "by_jurisdiction": dict(sorted(Counter(e.jurisdiction for e in events).items())),
        "by_type": dict(sorted(Counter(e.type for e in events).items())),
        "china_export_controls": sum(e.is_china_export_control for e in events),
        "with_pib_prid": sum(bool(e.prids) for e in events),
        "with_hs_codes": sum(bool(e.hs_codes) for e in events),
        "low_confidence": sum(e.confidence < 0.6 for e in events),
    }


def main(argv: Sequence[str] | None = None) -> int:
    path = Path(argv[0]) if argv else CATALOGUE_PATH
    try:
        events = load_catalogue(path)
    except CatalogueError as exc:
        print(exc, file=sys.stderr)
        return 1
    for k, v in summary(events).items():
        print(f"{k}: {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
