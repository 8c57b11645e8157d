"""Fixtures shared across test folders."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests._demo import run_demo


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The main job run once per test session (about 30 s): its temp dir (writer file
    ``cmw.duckdb``, reader file ``cmw_reader.duckdb``, raw store, Dagster home) and the
    completed process. Tests read it; the ones that need to write copy the files first."""
    tmp = tmp_path_factory.mktemp("demo")
    result = run_demo(tmp)
    assert result.returncode == 0, result.stdout + result.stderr
    return tmp, result
