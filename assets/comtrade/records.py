"""An answer's records as typed Arrow columns, one per field the normaliser reads.

Two ways (the normaliser's module docs tell when each is taken):

* **column-wise** (:func:`parse_answers`, :func:`from_answer`): answers the client left
  unparsed go, many at a time and one body a line, to Arrow's multi-threaded JSON reader; each
  column keeps the JSON type of its values; spellings are folded per column; absent keys are
  told from nulls by counting ``"key":`` tokens in the body. The count is exact: no record
  value is an object or a list (those answers are refused), so every ``"key":`` in the body is
  a key of a record or of the envelope (an envelope key spelled like a record key is refused);
  a quote inside a string is escaped, so the bytes can only match a key whose name ends the
  token (a key holding a quote or backslash is refused); and Arrow refuses a key repeated in
  an object. A column with nulls whose token count is below the number of records has an
  absent key somewhere: the exact path finds and names it;
* **exact** (:func:`from_records`): records as Python mappings (given as dicts, or parsed by
  :func:`~assets.comtrade.client.parse_envelope` when Arrow cannot vouch for an answer), typed
  field by field, value by value only where a column's Python types are not the field's.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from assets.comtrade.client import Answer
from assets.comtrade.fields import (
    CANONICAL,
    FIELD_BY_NAME,
    FIELDS,
    INT32,
    MAX_NUMBER_CHARS,
    OPTIONAL_FIELDS,
    ComtradeRecordError,
    Field,
    message_column,
    missing_column,
    shown,
)

#: Arrow type of each kind's typed column (``mos`` keeps the code as text; ``period`` too).
_ARROW = {
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "str": pa.string(),
    "period": pa.string(),
    "mos": pa.string(),
}
#: The Python types a column of each kind may hold to be typed in one call (besides None).
_PY_TYPES: dict[str, frozenset[type]] = {
    "int": frozenset({int}),
    "float": frozenset({int, float}),
    "bool": frozenset({bool}),
    "str": frozenset({str}),
    "period": frozenset({str}),
    "mos": frozenset({str}),
}
#: The Arrow types a column of each kind may arrive in from the answer's JSON (null: all null).
_ARROW_OK: dict[str, tuple[pa.DataType, ...]] = {
    "int": (pa.int64(), pa.null()),
    "float": (pa.int64(), pa.float64(), pa.null()),
    "bool": (pa.bool_(), pa.null()),
    "str": (pa.string(), pa.null()),
    "period": (pa.string(), pa.null()),
    "mos": (pa.string(), pa.int64(), pa.null()),
}
#: The Arrow types whose Python values are exactly the JSON values (for value-by-value typing).
_ARROW_EXACT = (pa.int64(), pa.string(), pa.bool_(), pa.null())


# --------------------------------------------------------------------------- value by value


class _Absent:
    """A key that is not in the record (distinct from a JSON null)."""


_ABSENT = _Absent()


def _py_value(spec: Field, v: Any) -> tuple[Any, str | None]:
    """One raw value -> (typed value, error message): the rules of point 3, for a column whose
    values are not all of the field's JSON type (bulk files' strings, a mutated answer)."""
    if isinstance(v, str) and not spec.required and v.strip() == "":
        return None, None
    if v is None:
        return None, ("is null" if spec.required else None)
    kind = spec.kind
    if kind == "period":
        if isinstance(v, int) and not isinstance(v, bool):
            out, msg = _py_int(v, INT32)
            return (None, msg) if msg else (str(out), None)
        kind = "str"
    if kind == "int":
        return _py_int(v, spec.bounds)
    if kind == "float":
        return _py_float(v)
    if kind == "bool":
        if isinstance(v, bool):
            return v, None
        if isinstance(v, int) and v in (0, 1):
            return bool(v), None
        if isinstance(v, str) and v.strip().lower() in ("true", "false"):
            return v.strip().lower() == "true", None
        return None, f"expected a boolean, got {shown(v)}"
    if kind == "mos":
        if isinstance(v, bool) or not isinstance(v, str | int):
            return None, f"expected a code, got {shown(v)}"
        return str(v), None  # an int code is ok only when 0, exactly as its text "0"
    if not isinstance(v, str):
        return None, f"expected a string, got {type(v).__name__} {shown(v)}"
    return v.strip(), None


def _py_int(v: Any, bounds: tuple[int, int]) -> tuple[int | None, str | None]:
    out: int | None = None
    if isinstance(v, bool):
        pass
    elif isinstance(v, int):
        out = v
    elif isinstance(v, float) and v.is_integer():
        out = int(v)
    elif isinstance(v, str) and len(v) <= MAX_NUMBER_CHARS:
        with contextlib.suppress(ValueError):
            out = int(v.strip())
    if out is None:
        return None, f"expected an integer, got {shown(v)}"
    lo, hi = bounds
    if not lo <= out <= hi:
        return None, f"integer {shown(v)} is outside {lo}..{hi}"
    return out, None


def _py_float(v: Any) -> tuple[float | None, str | None]:
    f: float | None = None
    try:
        if isinstance(v, bool):
            pass
        elif isinstance(v, int | float):
            f = float(v)
        elif isinstance(v, str) and len(v) <= MAX_NUMBER_CHARS:
            f = float(v.strip())
    except (ValueError, OverflowError):
        f = None
    if f is None:
        return None, f"expected a number, got {shown(v)}"
    if math.isnan(f) or math.isinf(f):
        return None, f"expected a finite number, got {shown(v)}"
    return f, None


def _typed_column(spec: Field, values: list[Any]) -> tuple[pa.Array, pa.Array | None]:
    """Raw values (JSON null as None) -> (typed Arrow column, error messages or None).

    One C-level conversion when every value has the field's JSON type; value by value
    (:func:`_py_value`) otherwise.
    """
    types = set(map(type, values))
    types.discard(type(None))
    if types <= _PY_TYPES[spec.kind] and (spec.kind != "int" or not types or _fits_i64(values)):
        try:
            arr = pa.array(values, type=_ARROW[spec.kind])
        except (OverflowError, pa.ArrowException):
            arr = None
        if arr is not None and (spec.kind != "float" or _all_finite(arr)):
            return arr, None
    typed: list[Any] = []
    messages: list[str | None] = []
    for v in values:
        out, msg = _py_value(spec, v)
        typed.append(out)
        messages.append(msg)
    errors = pa.array(messages, type=pa.string()) if any(messages) else None
    return pa.array(typed, type=_ARROW[spec.kind]), errors


def _fits_i64(values: list[Any]) -> bool:
    lo, hi = -(2**63), 2**63 - 1
    return all(v is None or lo <= v <= hi for v in values)


def _all_finite(arr: pa.Array) -> bool:
    finite = pc.is_finite(arr)
    return finite.null_count == len(finite) or bool(pc.all(finite, skip_nulls=True).as_py())


# --------------------------------------------------------------------------- one answer


@dataclass
class TypedAnswer:
    """One answer's needed fields as typed Arrow columns, plus what the checks need later."""

    table: pa.Table
    records: Sequence[Any] | None = None  # the raw records (exact path), for error context
    rows: pa.Table | None = None  # the raw records (Arrow path), for error context
    conflicts: dict[int, ComtradeRecordError] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)


#: Arrow's reading block (records of one batch are parsed by several threads, a block each).
_BLOCK_BYTES = 4 << 20
#: The reader's memory comes from malloc, which gives a batch's buffers back when they are
#: freed (Arrow's default pool keeps them, so memory would stay at its highest batch).
_POOL = pa.system_memory_pool()


def parse_answers(answers: Sequence[Answer]) -> list[pa.Table | None]:
    """The records of answers the client left unparsed, as one Arrow table each (a column
    per key, each keeping the JSON type of its values), read in one multi-threaded pass: the
    bodies, one a line, go to Arrow's JSON reader, which parses blocks of them in parallel.

    None for an answer whose records Arrow cannot vouch for (they do not parse, number other
    than ``count``, hold a nested value or a number too big for a double); the exact path then
    reads it. If the joint pass fails, each answer is read on its own to find which.
    """
    tables = _read_bodies(answers)
    if tables is not None:
        return list(tables)
    if len(answers) == 1:
        return [None]
    return [(_read_bodies([a]) or [None])[0] for a in answers]


def _read_bodies(answers: Sequence[Answer]) -> list[pa.Table] | None:
    lines = [a.line for a in answers if a.line is not None]
    if len(lines) != len(answers):
        return None
    try:
        block = max(_BLOCK_BYTES, *(len(line) + 1 for line in lines))  # a body fits a block
        options = pa_json.ReadOptions(use_threads=True, block_size=block)
        blob = pa.py_buffer(b"\n".join(lines))
        table = pa_json.read_json(pa.BufferReader(blob), read_options=options, memory_pool=_POOL)
        table.validate(full=True)  # also refuses strings that are not UTF-8
        if table.num_rows != len(answers) or "data" not in table.schema.names:
            return None
        data = table.column("data").combine_chunks()
        if not pa.types.is_list(data.type) or data.null_count:
            return None
        if data.value_lengths().to_pylist() != [a.rows for a in answers]:
            return None  # separators inside strings miscounted the records
        flat = data.flatten()
        if pa.types.is_null(flat.type) and not len(flat):  # every answer empty
            return [pa.table({}) for _ in answers]
        if not pa.types.is_struct(flat.type) or flat.null_count:
            return None
        records = pa.Table.from_struct_array(flat)
        keys = records.schema.names  # a key that is not UTF-8 raises here
    except (pa.ArrowException, ValueError):
        return None
    if len(set(keys)) != len(keys) or any(
        pa.types.is_nested(t) or pa.types.is_dictionary(t) for t in records.schema.types
    ):
        return None
    for c in records.columns:  # Arrow reads a 5,000-digit integer (Python refuses it) or 1e999
        floats = pa.types.is_floating(c.type) and c.null_count < len(c)  # as inf
        if floats and not pc.all(pc.less(pc.abs(c), 2.0**63)).as_py():
            return None
    out, offset = [], 0
    for a in answers:
        out.append(records.slice(offset, a.rows))
        offset += a.rows
    return out


@dataclass(frozen=True)
class _Layout:
    """Where a record layout (an Arrow schema) keeps each field read: per entry of
    :data:`FIELDS`, the columns of its spellings; ``shared``: the columns of unread fields
    spelled twice (their values must not clash in a record)."""

    usable: bool
    names: tuple[str, ...] = ()
    sources: tuple[tuple[int, ...], ...] = ()
    shared: tuple[tuple[int, ...], ...] = ()
    unknown: tuple[str, ...] = ()


@functools.lru_cache(maxsize=64)
def _layout(schema: pa.Schema, envelope_keys: tuple[str, ...]) -> _Layout:
    """The :class:`_Layout` of one schema (a batch of answers shares it: computed once)."""
    names = tuple(schema.names)
    if any('"' in k or "\\" in k for k in (*names, *envelope_keys)):
        return _Layout(False)  # a key with a quote could fool the token count
    envelope = {k.lower() for k in envelope_keys}
    if any(name.lower() in envelope for name in names):
        return _Layout(False)  # a key that is also an envelope key: its token count is off
    by_field: dict[str, list[int]] = {}
    unknown: list[str] = []
    for i, name in enumerate(names):
        canonical = CANONICAL.get(name.lower())
        if canonical is None:
            unknown.append(name)
        else:
            by_field.setdefault(canonical, []).append(i)
    sources = tuple(tuple(by_field.get(spec.name, ())) for spec in FIELDS)
    shared = tuple(
        tuple(idx) for name, idx in by_field.items() if len(idx) > 1 and name not in FIELD_BY_NAME
    )
    return _Layout(True, names, sources, shared, tuple(unknown))


def _token(name: str) -> bytes:
    return b'"' + name.encode() + b'":'


def from_answer(rows: pa.Table, answer: Answer) -> TypedAnswer | None:
    """The Arrow path: one answer's records (read by :func:`parse_answers`), folded by column.

    The columns keep the JSON types they arrived in (cast to the field's type when the batch
    is checked). Returns None when the answer cannot be vouched for this way (a needed field
    absent from some record, two spellings in one record, a type the exact path must look at
    value by value, keys the token count cannot trust); the exact path then reads its records.
    """
    n = rows.num_rows
    if not n:
        return TypedAnswer(
            pa.table({s.name: pa.nulls(0, _ARROW[s.kind]) for s in FIELDS}), rows=rows
        )
    layout = _layout(rows.schema, answer.envelope_keys)
    if not layout.usable:
        return None
    content = answer.content
    for idx in layout.shared:
        if pc.max(_count_valid([rows.column(i) for i in idx])).as_py() > 1:
            return None  # maybe two different values in one record: the exact path
    columns: dict[str, pa.ChunkedArray] = {}
    for spec, idx in zip(FIELDS, layout.sources, strict=True):
        if len(idx) > 1:  # spellings of other answers of the batch are absent from this one
            idx = tuple(
                i
                for i in idx
                if rows.column(i).null_count < n or content.count(_token(layout.names[i]))
            )
        if not idx:
            if spec.name not in OPTIONAL_FIELDS and n:
                return None  # absent from every record: the exact path names the first
            columns[spec.name] = pa.chunked_array([pa.nulls(n, _ARROW[spec.kind])])
            continue
        if len(idx) == 1:
            arr = rows.column(idx[0])
            token = _token(layout.names[idx[0]])
            if arr.null_count and spec.name not in OPTIONAL_FIELDS and content.count(token) != n:
                return None  # absent from some record (or a token the count cannot see)
        else:
            arrays = [rows.column(i) for i in idx]
            if len({a.type for a in arrays}) > 1:
                return None  # spellings of different JSON types
            if pc.min_max(_count_valid(arrays)).as_py() != {"min": 1, "max": 1}:
                return None  # two spellings in a record, or none non-null: exact path
            arr = pc.coalesce(*arrays)
        if arr.type not in _ARROW_OK[spec.kind]:
            if arr.type not in _ARROW_EXACT:
                return None  # a double in an integer/code field, timestamps: exact path
            typed, errors = _typed_column(spec, arr.to_pylist())
            columns[spec.name] = pa.chunked_array([typed])
            if errors is not None:
                columns[message_column(spec.name)] = pa.chunked_array([errors])
            continue
        columns[spec.name] = arr  # null, int in a float field, mos code: cast with the batch
    return TypedAnswer(pa.table(columns), rows=rows, unknown=list(layout.unknown))


def _count_valid(arrays: list[pa.Array]) -> pa.Array:
    """Per record, how many of these columns (spellings of one field) are not null."""
    present = pc.cast(pc.is_valid(arrays[0]), pa.int8())
    for a in arrays[1:]:
        present = pc.add(present, pc.cast(pc.is_valid(a), pa.int8()))
    return present


def from_records(records: Sequence[Any], url: str) -> TypedAnswer:
    """The exact path: records as Python mappings, read field by field."""
    n = len(records)
    not_object = [not isinstance(r, Mapping) for r in records]
    maps: list[Mapping[str, Any]] = [r if isinstance(r, Mapping) else {} for r in records]
    keys = list(dict.fromkeys(itertools.chain.from_iterable(maps)))
    spellings: dict[str, list[Any]] = {}
    unknown: list[str] = []
    for key in keys:
        canonical = CANONICAL.get(str(key).lower())
        if canonical is None:
            unknown.append(str(key))
        else:
            spellings.setdefault(canonical, []).append(key)
    conflicts: dict[int, ComtradeRecordError] = {}
    if any(len(v) > 1 for v in spellings.values()):
        folded: list[Mapping[str, Any]] = []
        for i, r in enumerate(maps):
            out, err = fold_record(r, url, i)
            folded.append(out)
            if err is not None:
                conflicts[i] = err
        maps = folded
        spellings = {name: [name] for name in spellings}
    columns: dict[str, pa.Array] = {}
    for spec in FIELDS:
        keys_of = spellings.get(spec.name)
        if not keys_of:
            values: list[Any] = [_ABSENT] * n
        else:
            key = keys_of[0]
            values = [r.get(key, _ABSENT) for r in maps]
        absent = [v is _ABSENT for v in values]
        if any(absent):
            values = [None if a else v for v, a in zip(values, absent, strict=True)]
            if spec.name not in OPTIONAL_FIELDS:
                columns[missing_column(spec.name)] = pa.array(
                    [a and not bad for a, bad in zip(absent, not_object, strict=True)]
                )
        typed, errors = _typed_column(spec, values)
        columns[spec.name] = typed
        if errors is not None:
            columns[message_column(spec.name)] = errors
    if any(not_object):
        columns["_not_object"] = pa.array(not_object)
    if conflicts:
        columns["_conflict"] = pa.array([i in conflicts for i in range(n)])
    return TypedAnswer(pa.table(columns), records=records, conflicts=conflicts, unknown=unknown)


def fold_record(
    rec: Mapping[str, Any], url: str, index: int
) -> tuple[dict[str, Any], ComtradeRecordError | None]:
    """One record's keys folded to canonical spelling; two spellings with different values
    are an error (returned, raised later if no earlier record fails first)."""
    out: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    error: ComtradeRecordError | None = None
    for key, value in rec.items():
        name = CANONICAL.get(str(key).lower(), str(key))
        if name in out:
            prev = out[name]
            if prev is None:
                out[name] = value
            elif value is not None and error is None and _differs(value, prev):
                error = ComtradeRecordError(
                    url,
                    name,
                    f"spelled both {spelled[name]!r} ({shown(prev)}) and {key!r} ({shown(value)})",
                    index,
                    **record_context(out),
                )
            continue
        out[name] = value
        spelled[name] = str(key)
    return out, error


def _differs(a: Any, b: Any) -> bool:
    try:
        return bool(a != b)
    except RecursionError:
        return True


def record_context(rec: Mapping[str, Any]) -> dict[str, Any]:
    """The identifying values of a (canonical-keyed) record, for error messages."""
    return {
        "period": rec.get("period"),
        "cmd_code": rec.get("cmdCode"),
        "partner_code": rec.get("partnerCode"),
    }


def unknown_fields(rec: Mapping[str, Any]) -> list[str]:
    """Keys of a record that are not in Comtrade's final-data schema (any casing)."""
    return [str(k) for k in rec if str(k).lower() not in CANONICAL]
