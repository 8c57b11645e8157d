"""Issue 9 end to end: a Comtrade answer that would silently change the warehouse fails the period.

A temp warehouse is loaded with ``trade_flow_annual`` 2021 from a copy of the bundled snapshot;
then the recorded answers for 2021 are rewritten (``count: 0``, a renamed field, a cut answer,
one bad record) and the asset is run again on the real replay client. Each rerun must fail with
a typed error naming source, URL/period and cause, and leave the warehouse exactly as it was;
``allow_shrink`` lets a real withdrawal through.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import dagster as dg
import duckdb
import pytest

from assets.comtrade.assets import TradeLoadConfig, trade_flow_annual
from assets.reference.assets import dim_country, dim_hs_code, dim_mineral
from pipelines.resources import HttpSources, Warehouse

REPO = Path(__file__).resolve().parents[2]
PERIOD = "2021"
KEY = f"A:{PERIOD}"


def _is_2021(ex: dict) -> bool:
    """India's own annual 2021 answers (not the mirror answers other reporters give)."""
    query = parse_qs(urlsplit(ex["url"]).query)
    return (
        "/C/A/HS" in ex["url"]
        and query.get("period") == [PERIOD]
        and (query.get("reporterCode") == ["699"])
    )


class Snapshot:
    """A writable copy of the Comtrade snapshots whose recorded answers can be rewritten."""

    def __init__(self, root: Path, base: Path | None = None) -> None:
        self.root = root
        for src in ("comtrade", "comtrade_ref"):
            shutil.copytree((base or REPO / "snapshot") / src, root / src)
        self.index = root / "comtrade" / "exchanges.jsonl"

    def rewrite(
        self, change: Callable[[dict], dict], match: Callable[[dict], bool] = _is_2021
    ) -> int:
        """Replace every matching 200 answer's JSON body by ``change(body)``."""
        lines = [json.loads(x) for x in self.index.read_text(encoding="utf-8").splitlines()]
        n = 0
        for ex in lines:
            if ex["status"] != 200 or not match(ex):
                continue
            body = json.loads((self.root / "comtrade" / ex["body"]).read_bytes())
            new = change(body)
            raw = new if isinstance(new, bytes) else json.dumps(new).encode()
            sha = hashlib.sha256(raw).hexdigest()
            (self.root / "comtrade" / "bodies" / f"{sha}.json").write_bytes(raw)
            ex.update(body=f"bodies/{sha}.json", sha256=sha, size=len(raw))
            n += 1
        self.index.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
        return n


def _resources(snapshot: Path, wh: Path) -> dict:
    return {
        "http": HttpSources(mode="replay", snapshot_dir=str(snapshot), raw_dir=str(wh / "raw")),
        "warehouse": Warehouse(path=str(wh / "w.duckdb"), reader_path=str(wh / "r.duckdb")),
    }


def _run(res: dict, *, allow_shrink: bool = False) -> dg.ExecuteInProcessResult:
    config = dg.RunConfig({"trade_flow_annual": TradeLoadConfig(allow_shrink=allow_shrink)})
    return dg.materialize(
        [trade_flow_annual],
        resources=res,
        partition_key=PERIOD,
        run_config=config,
        raise_on_error=False,
    )


def _content(db: Path, table: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            f'SELECT * EXCLUDE (_loaded_at) FROM "{table}" ORDER BY ALL'  # noqa: S608
        ).fetchall()
    finally:
        con.close()


def _tables(db: Path) -> dict[str, list[tuple]]:
    return {t: _content(db, t) for t in ("fact_trade_flow", "fact_trade_world_total",
                                         "comtrade_call")}  # fmt: skip


def _failure(result: dg.ExecuteInProcessResult) -> tuple[str, list[str]]:
    """(message, exception class names down the cause chain) of the one step failure."""
    assert not result.success
    (event,) = result.get_step_failure_events()
    error = event.step_failure_data.error
    message, classes = error.message, []
    while error is not None:
        classes.append(error.cls_name)
        message += "\n" + error.message
        error = error.cause
    return message, classes


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    """Dimensions + trade_flow_annual 2021 loaded from the untouched snapshot."""
    base = tmp_path_factory.mktemp("loaded")
    Snapshot(base / "snapshot")
    res = _resources(base / "snapshot", base)
    assert dg.materialize([dim_mineral, dim_hs_code, dim_country], resources=res).success
    assert _run(res).success
    return base


@pytest.fixture()
def world(loaded, tmp_path) -> tuple[Snapshot, dict, Path, dict[str, list[tuple]]]:
    """A private copy of the loaded warehouse and snapshot: (snapshot, resources, db, before)."""
    snap = Snapshot(tmp_path / "snapshot", base=loaded / "snapshot")
    shutil.copyfile(loaded / "w.duckdb", tmp_path / "w.duckdb")
    before = _tables(tmp_path / "w.duckdb")
    assert sum(1 for r in before["fact_trade_flow"] if r[0] == "comtrade") > 0
    return snap, _resources(tmp_path / "snapshot", tmp_path), tmp_path / "w.duckdb", before


def _empty(body: dict) -> dict:
    return {"elapsedTime": "0.01 secs", "count": 0, "data": [], "error": ""}


def _rows_of(before: dict, table: str) -> int:
    return sum(1 for r in before[table] if KEY in r)


def test_count_zero_for_a_period_that_had_rows_fails_and_keeps_the_rows(world):
    snap, res, db, before = world
    assert snap.rewrite(_empty) == 9  # every call of 2021 (8 HS6, 1 headings) answers count 0
    message, classes = _failure(_run(res))
    assert "ComtradeNoDataShrinkError" in classes  # a ShrinkGuardError subclass
    n = _rows_of(before, "fact_trade_flow")
    assert "[comtrade] shrink guard" in message
    assert "fact_trade_flow" in message and f"period_key={KEY}" in message
    assert f"from {n} to 0 rows" in message and "no_data" in message
    assert "https://comtradeapi.un.org/public/v1/preview/C/A/HS?" in message
    assert _tables(db) == before  # facts, World totals and the call log untouched


def test_allow_shrink_lets_a_withdrawn_period_through_and_logs_no_data(world):
    snap, res, db, before = world
    snap.rewrite(_empty)
    assert _run(res, allow_shrink=True).success
    after = _tables(db)
    assert _rows_of(after, "fact_trade_flow") == 0
    assert _rows_of(after, "fact_trade_world_total") == 0
    outcomes = {r[3] for r in after["comtrade_call"] if r[0] == KEY}
    assert outcomes == {"no_data"}


def test_the_generic_guard_catches_an_empty_period_when_the_call_log_is_gone(world):
    snap, res, db, before = world
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM comtrade_call")  # e.g. a warehouse loaded before the call log
    con.close()
    before = _tables(db)
    snap.rewrite(_empty)
    message, classes = _failure(_run(res))
    assert "ShrinkGuardError" in classes
    n = _rows_of(before, "fact_trade_flow")
    assert f"loading fact_trade_flow (period_key={KEY}) would empty it ({n} -> 0 rows" in message
    assert _tables(db) == before


def test_one_call_answering_count_zero_fails_although_the_period_shrinks_less_than_half(world):
    snap, res, db, before = world
    first = [True]

    def only_first(ex: dict) -> bool:
        hit = _is_2021(ex) and first[0]
        first[0] = first[0] and not hit
        return hit

    assert snap.rewrite(_empty, only_first) == 1
    message, classes = _failure(_run(res))
    assert "ComtradeNoDataShrinkError" in classes
    assert "for 1 call(s)" in message and f"period_key={KEY}" in message
    assert _tables(db) == before


def _rename(old: str, new: str) -> Callable[[dict], dict]:
    def change(body: dict) -> dict:
        body["data"] = [{(new if k == old else k): v for k, v in r.items()} for r in body["data"]]
        return body

    return change


def test_renamed_field_fails_naming_field_record_and_url_not_a_null_column(world):
    snap, res, db, before = world
    snap.rewrite(_rename("netWgt", "netWeight"))
    message, classes = _failure(_run(res))
    assert "ComtradeSchemaError" in classes
    assert "field 'netWgt': missing" in message and "netWeight" in message
    assert "record 0 (period '2021', cmdCode '" in message
    assert "url=https://comtradeapi.un.org/public/v1/preview/C/A/HS?" in message
    assert _tables(db) == before


def test_count_disagreeing_with_the_records_is_an_incomplete_answer(world):
    snap, res, db, before = world

    def cut(body: dict) -> dict:
        body["data"] = body["data"][:-1]  # count still says the full number
        return body

    snap.rewrite(cut)
    message, classes = _failure(_run(res))
    assert "ComtradeIncompleteAnswerError" in classes
    assert "'count' says" in message and "url=https://comtradeapi.un.org/" in message
    assert _tables(db) == before


@pytest.mark.parametrize(
    ("field", "value", "cause"),
    [
        ("partnerCode", 10**30, "outside"),
        ("primaryValue", "1e999", "finite"),
        ("netWgt", {"kg": [1, 2]}, "expected a number"),
        ("refYear", "2021.5", "expected an integer"),
    ],
)
def test_one_bad_record_is_a_typed_error_naming_the_record(world, field, value, cause):
    snap, res, db, before = world

    def poison(body: dict) -> dict:
        if body["data"]:
            body["data"][3][field] = value
        return body

    snap.rewrite(poison)
    message, classes = _failure(_run(res))
    assert "ComtradeRecordError" in classes
    assert "record 3 (period '2021', cmdCode '" in message and "partnerCode" in message
    assert f"field {field!r}" in message and cause in message
    assert _tables(db) == before


def test_quota_stop_keeps_the_rows_and_the_rerun_resumes_from_the_raw_store(world, tmp_path):
    snap, res, db, before = world
    pristine = snap.index.read_text(encoding="utf-8")
    quota = json.dumps({"statusCode": 403, "message": "Out of call volume quota. Quota will be "
                        "replenished in 03:14:17."}).encode()  # fmt: skip
    lines = [json.loads(x) for x in pristine.splitlines()]
    fifth = [ex for ex in lines if _is_2021(ex)][4]
    sha = hashlib.sha256(quota).hexdigest()
    (snap.root / "comtrade" / "bodies" / f"{sha}.json").write_bytes(quota)
    fifth.update(status=403, body=f"bodies/{sha}.json", sha256=sha, size=len(quota))
    snap.index.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")

    message, _ = _failure(_run(res))
    done = re.search(r"(\d+) calls completed, (\d+) pending", message)
    assert "quota exhausted" in message and done and int(done[1]) + int(done[2]) == 8
    assert int(done[1]) > 0
    assert _tables(db) == before
    state = tmp_path / "comtrade_state" / "A-2021-2021-H5.json"
    assert state.exists()

    snap.index.write_text(pristine, encoding="utf-8")  # the quota is back
    result = _run(res)
    assert result.success
    (mat,) = result.asset_materializations_for_node("trade_flow_annual")
    assert mat.metadata["calls_resumed"].value == int(done[1])
    assert mat.metadata["calls"].value == 9  # 8 HS6 calls and the headings call
    assert not state.exists()

    def facts(tables: dict[str, list[tuple]]) -> list[tuple]:
        # every column but _run_id: the resumed load holds exactly the rows of a clean load
        con = duckdb.connect(str(db), read_only=True)
        cols = [r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'fact_trade_flow' "
            "ORDER BY column_index").fetchall()]  # fmt: skip
        con.close()
        cols = [c for c in cols if c != "_loaded_at"]  # _content leaves it out
        keep = [i for i, c in enumerate(cols) if c != "_run_id"]
        return sorted(tuple(r[i] for i in keep) for r in tables["fact_trade_flow"])

    assert facts(_tables(db)) == facts(before)
