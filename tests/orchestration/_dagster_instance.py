"""A real Dagster deployment for tests: a temp DAGSTER_HOME, dagster-webserver, dagster-daemon.

Every process is started in its own session (process group), so `stop()` also ends what it
spawned (code servers, run workers, step processes); on Linux each top-level process also dies
with the test process. Nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

LAUNCH_RUN = """mutation($p: ExecutionParams!) { launchRun(executionParams: $p) {
  __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message stack }
  ... on InvalidSubsetError { message } ... on RunConfigValidationInvalid { errors { message } } } }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _merge(base: dict, overrides: Mapping) -> dict:
    out = dict(base)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def prepare_home(home: Path, overrides: Mapping | None = None) -> Path:
    """A DAGSTER_HOME with the project's dagster.yaml (plus overrides), storage created.

    The storage is created here, before any server starts: a webserver and a daemon that both
    find an empty SQLite home race to create the same tables.
    """
    import dagster as dg

    home.mkdir(parents=True, exist_ok=True)
    if overrides:
        settings = _merge(yaml.safe_load((REPO / "dagster.yaml").read_text()), overrides)
        (home / "dagster.yaml").write_text(yaml.safe_dump(settings))
    else:
        shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(home)):
        pass
    return home


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    os.setsid()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Deployment:
    """dagster-webserver + dagster-daemon over one workspace and one DAGSTER_HOME."""

    def __init__(self, home: Path, workspace: Path, env: Mapping[str, str], logs: Path):
        self.home = home
        self.workspace = workspace
        self.env = {**os.environ, **env, "DAGSTER_HOME": str(home)}
        self.logs = logs
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/graphql"
        self.procs: list[subprocess.Popen] = []

    def spawn(self, name: str, *args: str | Path) -> subprocess.Popen:
        """Start a process in its own session, output to logs/<name>.log."""
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 (closed by the child's exit)
        proc = subprocess.Popen(
            [str(a) for a in args],
            cwd=self.workspace.parent,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def start(self, timeout_s: float = 150) -> None:
        self.spawn(
            "webserver",
            BIN / "dagster-webserver",
            "-w",
            self.workspace,
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
        )
        self.spawn("daemon", BIN / "dagster-daemon", "run", "-w", self.workspace)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{self.port}/server_info", timeout=2).is_success:
                    return
            for proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"{proc.args[0]} exited: {self.log_tail()}")
            time.sleep(0.5)
        raise TimeoutError(f"webserver did not start in {timeout_s:.0f} s: {self.log_tail()}")

    def gql(self, query: str, variables: Mapping[str, Any]) -> dict:
        r = httpx.post(self.url, json={"query": query, "variables": variables}, timeout=60)
        r.raise_for_status()
        body = r.json()
        if "errors" in body:
            raise AssertionError(body["errors"])
        return body["data"]

    def launch_run(self, location: str, job: str) -> str:
        """Submit a run through GraphQL, as the Launchpad does (queued, launched by the daemon)."""
        selector = {
            "repositoryLocationName": location,
            "repositoryName": "__repository__",
            "jobName": job,
        }
        res = self.gql(LAUNCH_RUN, {"p": {"selector": selector}})["launchRun"]
        if res["__typename"] != "LaunchRunSuccess":
            raise AssertionError(res)
        return res["run"]["runId"]

    def log_tail(self, chars: int = 3000) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-chars:]}"
            for p in sorted(self.logs.glob("*.log"))
        )

    def stop(self) -> None:
        """SIGTERM every process group, then SIGKILL what is left after a grace period."""
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        for proc in self.procs:  # the group may outlive its leader (code servers, run workers)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
