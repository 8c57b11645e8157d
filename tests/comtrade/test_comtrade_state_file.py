"""The resumable fetch-state file is input too: a tampered or damaged one is a typed error.

Body names are built from the sha256 a completed call carries (``bodies/<sha256>.*``), so a
state file edited to say ``../../secret`` must never make the resume open that path.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assets.comtrade.client import (
    ComtradeStateError,
    FetchState,
    QuotaExhaustedError,
    body_loader_from_store,
)
from assets.comtrade.fake_api import FakeComtrade

from ._helpers import client_for, codes, record_key, sample_db

HS = codes(60)


@pytest.fixture()
def stopped(tmp_path):
    """A fetch stopped by the quota after 2 of 3 calls: (db, state path, raw store)."""
    db = sample_db(HS, ["2021"], partners_per_flow=2)
    state_path, raw = tmp_path / "state.json", tmp_path / "raw"
    with pytest.raises(QuotaExhaustedError):
        client_for(FakeComtrade(db, quota_calls=2), raw_dir=raw).fetch(
            "A", ["2021"], HS, state_path=state_path
        )
    return db, state_path, raw


def _resume(db, state_path, raw, loader=None):
    client = client_for(FakeComtrade(db), raw_dir=raw)
    return client.fetch(
        "A", ["2021"], HS, state_path=state_path, body_loader=loader or body_loader_from_store(raw)
    )


def _edit(state_path, change) -> None:
    d = json.loads(state_path.read_text())
    change(d)
    state_path.write_text(json.dumps(d))


def test_untampered_state_resumes_to_the_complete_answer(stopped):
    db, state_path, raw = stopped
    result = _resume(db, state_path, raw)
    assert sorted(record_key(r) for r in result.records) == sorted(record_key(r) for r in db)


@pytest.mark.parametrize(
    "sha",
    ["../../etc/passwd", "*", "", "AB" * 32, "ab" * 31, "ab" * 32 + "/..", 12345, None, ["ab"]],
)
def test_a_body_name_that_is_not_a_sha256_is_refused_before_any_read(stopped, sha):
    db, state_path, raw = stopped
    _edit(state_path, lambda d: d["completed"][0].update(sha256=sha))
    opened: list[str] = []

    def loader(name: str) -> bytes:
        opened.append(name)
        return b""

    with pytest.raises(ComtradeStateError) as err:
        _resume(db, state_path, raw, loader)
    assert "sha256 is not 64 hex characters" in str(err.value)
    assert str(state_path) in str(err.value) and err.value.path == str(state_path)
    assert opened == []


def test_the_store_loader_itself_refuses_paths():
    load = body_loader_from_store(Path("/tmp"))
    with pytest.raises(ComtradeStateError, match="not 64 hex"):
        load("../etc/passwd")
    with pytest.raises(ComtradeStateError, match="no body with sha256"):
        load("0" * 64)


def test_a_stored_body_that_does_not_hash_to_its_name_is_refused(stopped):
    db, state_path, raw = stopped
    sha = json.loads(state_path.read_text())["completed"][0]["sha256"]
    (body,) = (raw / "bodies").glob(f"{sha}.*")
    body.write_bytes(body.read_bytes().replace(b'"count":', b'"count" :'))
    with pytest.raises(ComtradeStateError, match=f"does not hash to {sha}"):
        _resume(db, state_path, raw)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d: d.update(version=2), "unsupported Comtrade fetch-state version 2"),
        (lambda d: d.pop("completed"), "missing field 'completed'"),
        (lambda d: d.update(endpoint="../data"), "unknown endpoint"),
        (lambda d: d["completed"][0].update(url="file:///etc/passwd"), "not an http(s) URL"),
        (lambda d: d["completed"][0].update(outcome="maybe"), "'outcome' is not known"),
        (lambda d: d["completed"][0].update(rows=10**40), "'rows' is not a count"),
        (lambda d: d["pending"][0].update(periods=["2021; DROP"]), "unreadable"),
        (lambda d: d["pending"][0].update(hs_codes=7), "unreadable"),
        (lambda d: d.update(request="all"), "'request' is not a fetch request"),
    ],
)
def test_a_damaged_state_file_is_a_typed_error_naming_it(stopped, change, says):
    db, state_path, raw = stopped
    _edit(state_path, change)
    with pytest.raises(ComtradeStateError) as err:
        FetchState.read(state_path)
    assert says in str(err.value) and str(state_path) in str(err.value)


@pytest.mark.parametrize("text", ["", "not json", "[]", "[" * 100_000, '{"version": 1}'])
def test_a_state_file_that_is_not_state_json_is_a_typed_error(tmp_path, text):
    path = tmp_path / "state.json"
    path.write_text(text)
    with pytest.raises(ComtradeStateError, match=str(path)):
        FetchState.read(path)
