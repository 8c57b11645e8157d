"""Rule-based tagger: PIB releases -> typed critical-mineral policy events (pure code).

All domain rules live in the CSV files of ``assets/events/vocab/`` (see DESIGN.md §5 and
shared/research/policy.md §3.3); this module only knows *how* to apply them:

* ``relevance.csv``   weighted signals; a release is relevant when the score reaches
  :data:`RELEVANCE_THRESHOLD` (``@minerals`` = a minerals.csv term, ``@event_type`` = a typed title).
* ``event_types.csv`` title / body regexes in precedence order; zones are tried title ->
  subtitles -> body, the first match in the first zone wins (``other`` when none). Names of
  companies (actors of type ``soe``/``company``) are blanked first, so "KABIL signs MoU" is an
  MoU, not a JV, because of the company's name.
* ``statuses.csv``    the same, zones title -> subtitles -> lead paragraph -> body.
* ``minerals.csv``    gazetteer term -> mineral_id (slugs of warehouse/reference/critical_minerals.csv);
  ``inferred=yes`` marks indirect evidence (catalytic converters -> PGE). Actor names are blanked
  first so "Hindustan Copper Limited" is not copper.
* ``actors.csv`` / ``groups.csv`` / ``roles.csv`` actors with Comtrade area codes, plurilateral
  groups (expanded to members only when the title names the group and no foreign country), and
  role cues applied per sentence. Indian actors default to ``implementer`` (the issuing ministry
  always is one); a **foreign actor needs a role cue in its own sentence** (a cue of roles.csv, or
  coordination with India: "India and Australia", "India-Chile") or it is not an actor of the event.
* ``background.csv``  cues of background sentences (geography and world reserves, history and
  running totals, assets already acquired) and headings of background sections; background
  sentences make **no actors and no amounts** (their minerals still count).
* ``units.csv`` / ``amount_kinds.csv`` controlled units and amount kinds with cue patterns.

Matching rule for terms: aliases with an upper-case letter after the first character ("US",
"HCL", "NdPr") match case-sensitively; others case-insensitively; Devanagari terms as whole words
(so परियोजना, "project", does not contain योजना, "scheme"). In the CSV regexes ``\\b`` is a word
boundary that knows Devanagari vowel signs. Text is NFKC-normalised and Devanagari digits become
ASCII digits.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

VOCAB_DIR = Path(__file__).resolve().parent / "vocab"
RELEVANCE_THRESHOLD = 3
MERGE_WINDOW = timedelta(hours=4)
ROLES = ("implementer", "counterparty", "signatory", "beneficiary", "target", "approver")
CONFIDENCE = {"title": 0.95, "body": 0.8, "inferred": 0.5}
INDIA = 699
COMPANY_TYPES = frozenset({"soe", "company"})
"""Actor types whose names are blanked before the event type is classified."""

# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class MineralTag:
    mineral_id: str
    basis: str  # title | body | inferred
    confidence: float
    evidence: str
    form: str | None = None


@dataclass(frozen=True)
class ActorTag:
    name: str
    area_code: int | None
    actor_type: str
    role: str
    evidence: str


@dataclass(frozen=True)
class Amount:
    raw_text: str
    value: float
    unit: str
    kind: str
    value_inr: float | None = None

    @property
    def key(self) -> tuple[float, str, str]:
        return (round(self.value, 6), self.unit, self.kind)


@dataclass
class TaggedRelease:
    prid: int
    title: str
    ministry: str
    language: str
    posted_at: datetime | None
    translations: list[int]
    is_relevant: bool
    relevance_score: float
    relevance_signals: list[str]
    event_type: str | None
    status: str | None
    minerals: list[MineralTag] = field(default_factory=list)
    actors: list[ActorTag] = field(default_factory=list)
    amounts: list[Amount] = field(default_factory=list)

    @property
    def countries(self) -> list[int]:
        return sorted({a.area_code for a in self.actors if a.area_code is not None})

    @property
    def mineral_ids(self) -> list[str]:
        return sorted({m.mineral_id for m in self.minerals})


@dataclass
class Event:
    event_id: str
    primary_prid: int
    source_prids: list[int]
    title: str
    event_type: str
    status: str
    posted_at: datetime | None
    ministries: list[str]
    minerals: list[MineralTag]
    actors: list[ActorTag]
    amounts: list[Amount]

    @property
    def countries(self) -> list[int]:
        return sorted({a.area_code for a in self.actors if a.area_code is not None})


# --------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True)
class Term:
    pattern: re.Pattern[str]
    text: str


@dataclass(frozen=True)
class Vocab:
    event_types: list[tuple[str, re.Pattern[str] | None, re.Pattern[str] | None]]
    statuses: list[tuple[str, re.Pattern[str] | None]]
    minerals: list[tuple[Term, str, str, bool]]  # term, mineral_id, form, inferred
    actors: list[tuple[Term, str, str, int | None]]  # term, canonical, type, area_code
    groups: list[tuple[Term, str, list[int]]]
    kinds: list[tuple[str, str, str, re.Pattern[str]]]  # kind, position, units, pattern
    units: dict[str, tuple[str, str]]  # unit -> (family, default kind)
    relevance: list[tuple[str, str, str | re.Pattern[str], float]]  # signal, zone, pattern, weight
    roles: list[tuple[str, str, re.Pattern[str], int]]  # role, position, pattern, max gap
    mineral_ids: frozenset[str]
    background: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)  # kind, pattern


_DEVA = "\u0900-\u097f"
_WORD = rf"[\w{_DEVA}]"
_BOUNDARY = rf"(?:(?<={_WORD})(?!{_WORD})|(?<!{_WORD})(?={_WORD}))"
_DEVA_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")


def _pattern(p: str) -> str:
    """A CSV regex made ready for NFKC text: normalised, ``\\b`` aware of Devanagari signs."""
    return unicodedata.normalize("NFKC", p).replace(r"\b", _BOUNDARY)


def _rx(p: str | None) -> re.Pattern[str] | None:
    return re.compile(_pattern(p), re.IGNORECASE) if p else None


def term_pattern(term: str, hyphenated: bool = False) -> re.Pattern[str]:
    """Whole-word pattern for a gazetteer term (see module docstring for case rules). A term
    inside a hyphenated word ("lithium-ion") does not match unless ``hyphenated`` (actors:
    "India-Peru", "US-India")."""
    term = normalise(term)
    if any("\u0900" <= ch <= "\u097f" for ch in term):
        return re.compile(rf"(?<!{_WORD}){re.escape(term)}(?!{_WORD})")
    words = [re.escape(w) for w in re.split(r"[\s]+", term.strip())]
    body = r"[\s\-]+".join(words)
    case_sensitive = any(ch.isupper() for ch in term[1:])
    flags = 0 if case_sensitive else re.IGNORECASE
    if hyphenated:
        return re.compile(rf"(?<![\w$]){body}(?![\w$])", flags)
    return re.compile(rf"(?<![\w\-$]){body}(?![\w$]|-[A-Za-z])", flags)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def load_vocab(dir: Path | str | None = None) -> Vocab:  # noqa: A002 - public API name
    """Read every vocabulary CSV of ``dir`` (default ``assets/events/vocab``)."""
    d = Path(dir) if dir else VOCAB_DIR
    et = sorted(_read(d / "event_types.csv"), key=lambda r: int(r["precedence"]))
    st = sorted(_read(d / "statuses.csv"), key=lambda r: int(r["precedence"]))
    known = (
        Path(__file__).resolve().parents[2] / "warehouse" / "reference" / "critical_minerals.csv"
    )
    ids = frozenset(r["mineral_id"] for r in _read(known)) if known.exists() else frozenset()
    minerals = [
        (
            Term(term_pattern(r["term"]), r["term"]),
            r["mineral_id"],
            r["form"],
            r["inferred"] == "yes",
        )
        for r in _read(d / "minerals.csv")
    ]
    actors = [
        (
            Term(term_pattern(r["alias"], hyphenated=True), r["alias"]),
            r["canonical_name"],
            r["actor_type"],
            int(r["area_code"]) if r["area_code"] else None,
        )
        for r in _read(d / "actors.csv")
    ]
    groups = []
    for r in _read(d / "groups.csv"):
        members = [int(x) for x in r["members"].split(";") if x]
        for alias in r["alias"].split(";"):
            groups.append((Term(term_pattern(alias), alias), r["group"], members))
    kinds = [
        (r["kind"], r["position"], r["units"], _rx(r["pattern"]))
        for r in _read(d / "amount_kinds.csv")
        if r["pattern"]
    ]
    units = {r["unit"]: (r["family"], r["default_kind"]) for r in _read(d / "units.csv")}
    relevance = [
        (
            r["signal"],
            r["zone"],
            r["pattern"] if r["pattern"].startswith("@") else _rx(r["pattern"]),
            float(r["weight"]),
        )
        for r in _read(d / "relevance.csv")
    ]
    roles = [
        (r["role"], r["position"], _rx(r["pattern"]), int(r["max_gap"] or 0))
        for r in _read(d / "roles.csv")
    ]
    background = [(r["kind"], _rx(r["pattern"])) for r in _read(d / "background.csv")]
    return Vocab(
        event_types=[
            (r["event_type"], _rx(r["title_pattern"]), _rx(r["body_pattern"])) for r in et
        ],
        statuses=[(r["status"], _rx(r["pattern"])) for r in st],
        minerals=minerals,
        actors=actors,
        groups=groups,
        kinds=kinds,  # type: ignore[arg-type]
        units=units,
        relevance=relevance,  # type: ignore[arg-type]
        roles=roles,  # type: ignore[arg-type]
        mineral_ids=ids,
        background=background,  # type: ignore[arg-type]
    )


# --------------------------------------------------------------------------- text helpers


def normalise(text: str) -> str:
    """NFKC, ASCII digits for Devanagari ones, unify dashes/apostrophes, collapse whitespace."""
    t = unicodedata.normalize("NFKC", text or "").translate(_DEVA_DIGITS)
    t = (
        t.replace("\u2019", "'")
        .replace("\u2018", "'")
        .replace("\u2013", "-")
        .replace("\u2014", "-")
    )
    return re.sub(r"[ \t\u00a0]+", " ", t).strip()


_SENT_SPLIT = re.compile(r"(?<=[.!?\u0964])\s+(?=[A-Z\u0900-\u097f\"'(₹])")


def sentences(text: str) -> list[str]:
    out: list[str] = []
    for para in re.split(r"\n+", text):
        para = para.strip()
        if para:
            out.extend(s for s in _SENT_SPLIT.split(para) if s.strip())
    return out


def is_background(sent: str, vocab: Vocab) -> bool:
    """A background sentence (geography, history, running totals, assets already acquired)."""
    return any(kind == "sentence" and pat.search(sent) for kind, pat in vocab.background)


def marked_sentences(text: str, vocab: Vocab) -> list[tuple[str, bool]]:
    """(sentence, is_background) for ``text``: a sentence is background when it matches a
    background cue or sits under a background heading ("Background:") until the next heading."""
    out: list[tuple[str, bool]] = []
    section = False
    for para in re.split(r"\n+", text):
        para = para.strip()
        if not para:
            continue
        if re.fullmatch(r"[^.!?\u0964]{1,60}:", para):  # a heading line
            section = any(k == "heading" and p.search(para) for k, p in vocab.background)
            continue
        for s in _SENT_SPLIT.split(para):
            if s.strip():
                out.append((s, section or is_background(s, vocab)))
    return out


def _is_devanagari(text: str) -> bool:
    deva = sum("\u0900" <= ch <= "\u097f" for ch in text)
    return deva > sum(ch.isascii() and ch.isalpha() for ch in text)


@dataclass
class _Zones:
    title: str
    subtitles: str
    lead: str
    body: str

    @property
    def head(self) -> str:
        return f"{self.title}\n{self.subtitles}".strip()

    @property
    def all(self) -> str:
        return f"{self.head}\n{self.body}".strip()


def _zones(rel: Mapping) -> _Zones:
    body = normalise_block(rel.get("body_text") or "")
    paras = [p for p in body.split("\n") if p.strip()]
    return _Zones(
        title=normalise(rel.get("title") or ""),
        subtitles="\n".join(normalise(s) for s in rel.get("subtitles") or []),
        lead=paras[0] if paras else "",
        body=body,
    )


def normalise_block(text: str) -> str:
    return "\n".join(normalise(line) for line in text.split("\n") if line.strip())


# --------------------------------------------------------------------------- minerals & actors


def _actor_spans(text: str, vocab: Vocab) -> list[tuple[int, int, str, str, int | None]]:
    """Non-overlapping actor mentions, longest first: (start, end, canonical, type, area)."""
    hits = []
    for term, canon, atype, area in vocab.actors:
        for m in term.pattern.finditer(text):
            hits.append((m.start(), m.end(), canon, atype, area))
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    out: list[tuple[int, int, str, str, int | None]] = []
    for h in sorted(hits, key=lambda h: -(h[1] - h[0])):
        if all(h[1] <= o[0] or h[0] >= o[1] for o in out):
            out.append(h)
    return sorted(out)


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for s, e in spans:
        chars[s:e] = " " * (e - s)
    return "".join(chars)


def find_minerals(zones: _Zones | Mapping, vocab: Vocab) -> list[MineralTag]:
    """Minerals with basis title (title/subtitles), body, or inferred (indirect terms only)."""
    z = zones if isinstance(zones, _Zones) else _zones(zones)
    found: dict[str, MineralTag] = {}
    rank = {"title": 3, "body": 2, "inferred": 1}
    for zone_name, text in (("title", z.head), ("body", z.body)):
        masked = _mask(text, [(s, e) for s, e, *_ in _actor_spans(text, vocab)])
        for term, mid, form, inferred in vocab.minerals:
            m = term.pattern.search(masked)
            if not m:
                continue
            basis = "inferred" if inferred else zone_name
            lo, hi = max(0, m.start() - 60), min(len(text), m.end() + 60)
            tag = MineralTag(mid, basis, CONFIDENCE[basis], text[lo:hi].strip(), form or None)
            old = found.get(mid)
            if old is None or rank[basis] > rank[old.basis]:
                found[mid] = tag
    return sorted(found.values(), key=lambda t: t.mineral_id)


def find_actors(zones: _Zones | Mapping, vocab: Vocab, ministry: str = "") -> list[ActorTag]:
    """Actors with a role per ``roles.csv`` cues. Indian actors without a cue are implementers
    (the issuing ministry always is one); a foreign actor needs a cue in its own sentence, and
    background sentences (``background.csv``) make no actors."""
    z = zones if isinstance(zones, _Zones) else _zones(zones)
    explicit: dict[tuple[str, str], ActorTag] = {}
    default: dict[str, ActorTag] = {}
    for sent, background in marked_sentences(z.all, vocab):
        if background:
            continue
        spans = _actor_spans(sent, vocab)
        if not spans:
            continue
        roles = [_role_of(sent, s, e, atype, vocab) for s, e, _, atype, _ in spans]
        roles = _chain_roles(sent, spans, roles, vocab)
        for (_s, _e, canon, atype, area), role in zip(spans, roles, strict=True):
            if role:
                explicit.setdefault((canon, role), ActorTag(canon, area, atype, role, sent[:200]))
            elif area == INDIA and canon not in default:
                default[canon] = ActorTag(canon, area, atype, "implementer", sent[:200])
    issuer = normalise(ministry)
    issuer_spans = _actor_spans(issuer, vocab)
    for _s, _e, canon, atype, area in issuer_spans:
        if canon not in default:
            default[canon] = ActorTag(canon, area, atype, "implementer", f"ministry: {ministry}")
    if issuer and not issuer_spans and issuer not in default:
        # every PIB issuer is a body of the Government of India
        default[issuer] = ActorTag(issuer, INDIA, "government", "implementer", "ministry")
    out = list(explicit.values())
    have = {a.name for a in out}
    out += [a for c, a in default.items() if c not in have]
    out += _group_members(z, vocab, {a.area_code for a in out})
    return sorted(out, key=lambda a: (a.area_code or 0, a.name, a.role))


def _role_of(sent: str, s: int, e: int, atype: str, vocab: Vocab) -> str | None:
    """The role cue of roles.csv nearest this actor mention, in file order. ``after``: the cue
    ends at most ``max_gap`` characters before the actor; ``before``: it starts at most
    ``max_gap`` characters after it (a signatory's verb may not be separated from it by
    'with'/'between' or a clause break)."""
    before, after = sent[:s], sent[e:]
    for role, pos, pat, gap in vocab.roles:
        if pos == "chain" or (role == "approver" and atype == "country"):
            continue
        if pos == "after":
            ms = list(pat.finditer(before))
            if ms and len(before) - ms[-1].end() <= gap:
                return role
        elif pos == "before":
            m = pat.search(after)
            if not m or m.start() > gap:
                continue
            if role == "signatory" and re.search(r"\bwith\b|\bbetween\b|[.;]", after[: m.start()]):
                continue
            return role
    return None


def _chain_roles(
    sent: str,
    spans: Sequence[tuple[int, int, str, str, int | None]],
    roles: list[str | None],
    vocab: Vocab,
) -> list[str | None]:
    """Coordinated actors ("India and Australia", "India-Chile", "Argentine, Chilean and
    Peruvian delegations") share a role: a member without a cue takes the role of a member
    with one, and a foreign member coordinated with an Indian one is a counterparty."""
    links = [pat for _, pos, pat, _ in vocab.roles if pos == "chain"]
    out = list(roles)
    chains: list[list[int]] = [[0]]
    for i in range(1, len(spans)):
        gap = sent[spans[i - 1][1] : spans[i][0]]
        if any(p.fullmatch(gap) for p in links):
            chains[-1].append(i)
        else:
            chains.append([i])
    for chain in chains:
        if len(chain) < 2:
            continue
        cued = next((out[i] for i in chain if out[i]), None)
        indian = any(spans[i][4] == INDIA for i in chain)
        for i in chain:
            if out[i] is None and spans[i][4] != INDIA:
                out[i] = cued or ("counterparty" if indian else None)
    return out


def _group_members(z: _Zones, vocab: Vocab, have: set[int | None]) -> list[ActorTag]:
    """Plurilateral groups named in the title expand to their members when the title names no
    foreign country (a bilateral 'India and US ... under MSP' stays bilateral)."""
    head_actors = {a for *_, a in _actor_spans(z.head, vocab)}
    foreign = {a for a in head_actors if a not in (None, INDIA)}
    out: list[ActorTag] = []
    for term, group, members in vocab.groups:
        if not term.pattern.search(z.head):
            continue
        out.append(ActorTag(group, None, "plurilateral_group", "implementer", z.title))
        if foreign:
            continue
        for code in members:
            if code not in have:
                out.append(ActorTag(f"{group} member", code, "country", "counterparty", group))
                have.add(code)
    return out


# --------------------------------------------------------------------------- amounts

_NUM = r"(?P<num>\d{1,3}(?:,\d{2,3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_MONEY = re.compile(
    r"(?<![A-Za-z])(?P<cur>₹|Rs\.?|INR|US\$|USD|A\$|AUD|\$)\s*"
    + _NUM
    + r"(?:\s*(?P<scale>crores?|cr\b\.?|lakhs?|million|billion|mn\b|bn\b|करोड़|लाख|मिलियन|अरब))?",
    re.IGNORECASE,
)
_MONEY_NOCUR = re.compile(_NUM + r"\s*(?P<scale>crores?|lakhs?|करोड़)\s+(?:rupees|INR)\b", re.I)
_MONEY_SUFFIX = re.compile(
    _NUM + r"\s*(?P<scale>million|billion|lakhs?|crores?|मिलियन|अरब|लाख|करोड़)?\s*"
    r"(?P<cur>Australian dollars?|US dollars?|ऑस्ट्रेलियाई डॉलर|अमेरिकी डॉलर|डॉलर)",
    re.IGNORECASE,
)
_QTY = re.compile(
    _NUM + r"\s*(?P<scale>lakh|लाख|million|kilo|किलो|thousand)?\s*"
    r"(?P<unit>metric tonnes per annum|tonnes per annum|tonnes per year|tons per annum|MTPA|TPA|"
    r"metric tonnes|tonnes|tonne|tons|ton|टन|kilo ?tonnes|kt|kilograms?|kg|किलोग्राम)(?![\w])"
    r"(?P<annual>\s+(?:of\s+)?(?:annual|per annum|per year|a year|every year|annually|yearly|"
    r"वार्षिक|प्रति वर्ष|सालाना))?",
    re.IGNORECASE,
)
_AREA = re.compile(
    _NUM
    + r"\s*(?P<scale>lakh)?\s*(?P<unit>hectares?|ha\b|sq\.?\s?km|square kilomet(?:er|re)s?|हेक्टेयर)",
    re.I,
)
_BLOCKS = re.compile(
    _NUM + r"\s+(?:(?:are\s+)?(?:offered\s+)?for\s+)?"
    r"(?:(?:composite licen[cs]es?|mining leases?|exploration licen[cs]es?)(?:\s+blocks?)?"
    r"|(?:[A-Za-z\-]+\s+){0,3}?blocks?\b|(?:[\u0900-\u097f]+\s+){0,2}?ब्लॉक)",
    re.I,
)
_PER_YEAR = re.compile(
    r"^[^.,;]{0,50}(?:\b(every year|per year|a year|annually|per annum|yearly)\b|प्रति वर्ष|वार्षिक)",
    re.I,
)
_PER_YEAR_BEFORE = re.compile(r"(?:per annum|per year|annual|प्रति वर्ष|वार्षिक)\s*$", re.I)
_SCALE = {
    "crore": 1.0,
    "crores": 1.0,
    "cr": 1.0,
    "cr.": 1.0,
    "करोड़": 1.0,
    "lakh": 0.01,
    "lakhs": 0.01,
    "लाख": 0.01,
    "million": 1.0,
    "mn": 1.0,
    "मिलियन": 1.0,
    "billion": 1000.0,
    "bn": 1000.0,
    "अरब": 1000.0,
}
_FOREIGN_SCALE = {
    "lakh": 0.1,
    "lakhs": 0.1,
    "लाख": 0.1,
    "crore": 10.0,
    "crores": 10.0,
    "करोड़": 10.0,
}
"""Million units of a foreign currency per lakh / crore of it (58 lakh dollars = 5.8 million)."""
_TONNES = {"kg": 1e-3, "kilogram": 1e-3, "kilograms": 1e-3, "किलोग्राम": 1e-3, "kt": 1e3}


def _num(s: str) -> float:
    return float(s.replace(",", ""))


def _foreign(cur: str, v: float, sc: str) -> tuple[float, str] | None:
    unit = "AUD million" if re.search(r"A\$|AUD|australia|ऑस्ट्रेलिया", cur, re.I) else "USD million"
    if sc in _FOREIGN_SCALE:
        return v * _FOREIGN_SCALE[sc], unit
    return v * _SCALE.get(sc, 1e-6), unit


def _parse_amounts(sent: str) -> list[tuple[int, int, float, str, float | None]]:
    """(start, end, value, unit, value_inr) for every amount in one sentence, left to right."""
    hits: list[tuple[int, int, float, str, float | None]] = []
    for m in _MONEY.finditer(sent):
        cur, v, sc = m["cur"], _num(m["num"]), (m["scale"] or "").lower()
        if cur.upper() in ("₹", "RS", "RS.", "INR"):
            crore = v * _SCALE[sc] if sc else v / 1e7
            hits.append((m.start(), m.end(), crore, "INR crore", crore * 1e7))
        else:
            value, unit = _foreign(cur, v, sc)  # type: ignore[misc]
            hits.append((m.start(), m.end(), value, unit, None))
    for m in _MONEY_SUFFIX.finditer(sent):
        value, unit = _foreign(m["cur"], _num(m["num"]), (m["scale"] or "").lower())  # type: ignore[misc]
        hits.append((m.start(), m.end(), value, unit, None))
    for m in _MONEY_NOCUR.finditer(sent):
        crore = _num(m["num"]) * _SCALE[m["scale"].lower()]
        hits.append((m.start(), m.end(), crore, "INR crore", crore * 1e7))
    for m in _QTY.finditer(sent):
        v = _num(m["num"])
        sc = (m["scale"] or "").lower()
        v *= {
            "lakh": 1e5,
            "लाख": 1e5,
            "million": 1e6,
            "kilo": 1e3,
            "किलो": 1e3,
            "thousand": 1e3,
        }.get(sc, 1.0)
        u = m["unit"].lower()
        v *= 1e3 if u.startswith("kilo ") or u == "kilotonnes" else _TONNES.get(u, 1.0)
        annual = bool(m["annual"]) or "annum" in u or "year" in u or u in ("mtpa", "tpa")
        annual = annual or bool(_PER_YEAR.search(sent[m.end() :]))
        annual = annual or bool(_PER_YEAR_BEFORE.search(sent[max(0, m.start() - 20) : m.start()]))
        hits.append((m.start(), m.end(), v, "tonnes per year" if annual else "tonnes", None))
    for m in _AREA.finditer(sent):
        v = _num(m["num"]) * (1e5 if m["scale"] else 1.0)
        if "km" in m["unit"].lower() or "kilomet" in m["unit"].lower():
            v *= 100.0
        hits.append((m.start(), m.end(), v, "hectares", None))
    for m in _BLOCKS.finditer(sent):
        hits.append((m.start(), m.end(), _num(m["num"]), "blocks", None))
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    out: list[tuple[int, int, float, str, float | None]] = []
    for s, e, value, unit, inr in hits:
        if out and s < out[-1][1]:
            continue
        # scale factors are binary fractions (2.7 lakh = 270000.00000000006): round them off
        out.append((s, e, round(value, 9), unit, None if inr is None else round(inr, 3)))
    return out


_SHORT_LINK = re.compile(
    r"\band\b|,|\bor\b|\bto\b|(?<![\u0900-\u097f])(?:और|तथा|या)(?![\u0900-\u097f])"
)


def extract_amounts(text: str, vocab: Vocab) -> list[Amount]:
    """Amounts of the controlled units in ``text`` with their kind (cue rules of amount_kinds.csv).

    Kind: the nearest *before* cue between the previous amount (or sentence start) and the figure;
    else an *after* cue right behind it (in a Devanagari sentence, whose cues follow the figure,
    the *after* cue is tried first); else the kind of the previous amount of the same family when
    only a short connective separates them ("₹50 crore for large and ₹25 crore for small", "from
    ₹1,000 crore to ₹2,500 crore"); else the unit's default kind. Table rows ("a | b") and
    background sentences (``background.csv``) are skipped.
    """
    out: list[Amount] = []
    for sent, background in marked_sentences(normalise_block(text), vocab):
        if background or " | " in sent:
            continue
        hindi = _is_devanagari(sent)
        prev_end, prev_kind, prev_family = 0, None, None
        parsed = _parse_amounts(sent)
        for i, (s, e, value, unit, inr) in enumerate(parsed):
            family, default_kind = vocab.units[unit]
            seg = sent[prev_end:s]
            nxt = parsed[i + 1][0] if i + 1 < len(parsed) else len(sent)
            after = sent[e : min(nxt, e + 80)]
            before_kind = after_kind = None
            best = -1
            for k, pos, fams, pat in vocab.kinds:
                if fams not in ("any", family):
                    continue
                if pos == "before":
                    for m in pat.finditer(seg):
                        if m.end() > best:
                            before_kind, best = k, m.end()
                elif after_kind is None and pat.search(after):
                    after_kind = k
            kind = (after_kind or before_kind) if hindi else (before_kind or after_kind)
            short_link = len(seg) <= 45 and _SHORT_LINK.search(seg)
            if kind is None and prev_kind and prev_family == family and short_link:
                kind = prev_kind
            kind = kind or default_kind
            out.append(Amount(sent[s:e].strip(), value, unit, kind, inr))
            prev_end, prev_kind, prev_family = e, kind, family
    return out


def _dedupe_amounts(amounts: Iterable[Amount]) -> list[Amount]:
    seen: dict[tuple[float, str, str], Amount] = {}
    for a in amounts:
        seen.setdefault(a.key, a)
    return list(seen.values())


# --------------------------------------------------------------------------- type, status, relevance


def _stated_mineral_in(text: str, vocab: Vocab) -> bool:
    masked = _mask(text, [(s, e) for s, e, *_ in _actor_spans(text, vocab)])
    return any(not inf and t.pattern.search(masked) for t, _, _, inf in vocab.minerals)


def _without_company_names(text: str, vocab: Vocab) -> str:
    spans = [(s, e) for s, e, _, atype, _ in _actor_spans(text, vocab) if atype in COMPANY_TYPES]
    return _mask(text, spans)


def classify_type(z: _Zones, vocab: Vocab) -> str:
    """First event type (precedence order) whose pattern matches the title, else the subtitles,
    else the body; company names are blanked first so they cannot decide the instrument."""
    for text, use_title in ((z.title, True), (z.subtitles, True), (z.body, False)):
        if not text:
            continue
        text = _without_company_names(text, vocab)
        for etype, tpat, bpat in vocab.event_types:
            pat = tpat if use_title else bpat
            if pat is not None and pat.search(text):
                return etype
    return "other"


def classify_status(z: _Zones, vocab: Vocab) -> str:
    for text in (z.title, z.subtitles, z.lead, z.body):
        if not text:
            continue
        for status, pat in vocab.statuses:
            if pat is not None and pat.search(text):
                return status
    return "announced"


def relevance(z: _Zones, vocab: Vocab, minerals: Sequence[MineralTag]) -> tuple[float, list[str]]:
    score, signals = 0.0, []
    stated_title = any(m.basis == "title" for m in minerals)
    stated_body = _stated_mineral_in(z.body, vocab)
    for signal, zone, pattern, weight in vocab.relevance:
        text = {"title": z.head, "body": z.body, "any": z.all}[zone]
        if pattern == "@minerals":
            hit = stated_title if zone == "title" else stated_body
        elif pattern == "@event_type":
            hit = classify_type(_Zones(z.title, z.subtitles, "", ""), vocab) != "other"
        else:
            hit = bool(pattern.search(text))  # type: ignore[union-attr]
        if hit:
            score += weight
            signals.append(f"{signal}/{zone}:{weight:+g}")
    return score, signals


# --------------------------------------------------------------------------- public API


def tag_release(rel: Mapping, vocab: Vocab) -> TaggedRelease:
    """Tag one release (keys: prid, ministry, title, subtitles, body_text, posted_at, language,
    translations). Non-relevant releases keep their minerals/actors for inspection but get no
    event type or status."""
    z = _zones(rel)
    minerals = find_minerals(z, vocab)
    score, signals = relevance(z, vocab, minerals)
    relevant = score >= RELEVANCE_THRESHOLD
    actors = find_actors(z, vocab, rel.get("ministry") or "")
    amounts = _dedupe_amounts(extract_amounts(z.all, vocab))
    trans = []
    for t in rel.get("translations") or []:
        trans.append(int(t["prid"] if isinstance(t, Mapping) else t[0]))
    return TaggedRelease(
        prid=int(rel["prid"]),
        title=rel.get("title") or "",
        ministry=rel.get("ministry") or "",
        language=rel.get("language") or "en",
        posted_at=rel.get("posted_at"),
        translations=trans,
        is_relevant=relevant,
        relevance_score=score,
        relevance_signals=signals,
        event_type=classify_type(z, vocab) if relevant else None,
        status=classify_status(z, vocab) if relevant else None,
        minerals=minerals,
        actors=actors,
        amounts=amounts,
    )


# The merge of tagged releases into events lives in assets/events/merge.py (issue 11: candidate
# pairs instead of all pairs). Its names stay importable from here, loaded on first use so the
# two modules do not import each other at load time.
_MERGE_NAMES = frozenset(
    {"merge_events", "_same_decision", "_is_cabinet", "_primary_order", "_norm_title"}
)


def __getattr__(name: str):
    if name in _MERGE_NAMES:
        from assets.events import merge

        return getattr(merge, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
