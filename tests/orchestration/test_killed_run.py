"""A SIGKILLed run must not hold the `warehouse` pool slot: the next warehouse run proceeds.

A real deployment (dagster-webserver + dagster-daemon, temp DAGSTER_HOME with the project's
dagster.yaml) runs a code location whose assets are in pool "warehouse", like every asset that
writes the DuckDB file. Two runs that can never finish are killed with SIGKILL:

* `launched`: submitted through GraphQL and started by the daemon (DefaultRunLauncher, a run
  worker spawned by the code server); it holds the pool's one slot when its worker is killed;
* `in_process`: executed by `dagster job execute` (as `cmw demo` executes in-process), waiting
  for the slot when the process is killed. Nothing but the project's run launcher health check
  notices that this one died: without it the run stays STARTED for ever and, once the slot is
  freed, Dagster hands the slot to its dead pending step.

Then a third warehouse run is submitted and must succeed, both killed runs must end FAILURE,
and no slot or pending step may remain. The monitoring intervals are shortened here to keep the
test short (set CMW_KILL_TEST_PROJECT_INTERVALS=1 to run with dagster.yaml's own intervals).
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import dagster as dg
import pytest

from tests.orchestration._dagster_instance import BIN, Deployment, prepare_home

POOL = "warehouse"
LOCATION = "recovery"
RECOVERY_BOUND_S = 180  # kill -> next warehouse run SUCCESS

CODE = '''
import json, os, time
from pathlib import Path
import dagster as dg

@dg.asset(pool="warehouse")
def slow_write(context) -> None:
    """Claims the warehouse slot, says who runs it, then outlives the test (bounded)."""
    Path(os.environ["RECOVERY_TEST_DIR"], context.run_id + ".json").write_text(
        json.dumps({"step_pid": os.getpid(), "worker_pid": os.getppid()})
    )
    time.sleep(300)

@dg.asset(pool="warehouse")
def quick_write() -> int:
    return 1

defs = dg.Definitions(
    assets=[slow_write, quick_write],
    jobs=[
        dg.define_asset_job("slow_job", selection=[slow_write]),
        # the next run: one process, so its start costs no step subprocess
        dg.define_asset_job(
            "quick_job", selection=[quick_write], executor_def=dg.in_process_executor
        ),
    ],
)
'''

WORKSPACE = f"""load_from:
  - python_file:
      relative_path: recovery_location.py
      location_name: {LOCATION}
      working_directory: .
"""


def _wait(what: str, predicate, timeout_s: float, dep: Deployment, poll_s: float = 0.5):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll_s)
    pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}\n{dep.log_tail()}")


def test_sigkilled_runs_release_the_warehouse_slot(tmp_path: Path, monkeypatch):
    signals = tmp_path / "signals"
    signals.mkdir()
    (tmp_path / "recovery_location.py").write_text(CODE)
    workspace = tmp_path / "workspace.yaml"
    workspace.write_text(WORKSPACE)
    fast = {"run_monitoring": {"poll_interval_seconds": 3, "free_slots_after_run_end_seconds": 3}}
    keep = os.environ.get("CMW_KILL_TEST_PROJECT_INTERVALS") == "1"
    home = prepare_home(tmp_path / "dagster_home", None if keep else fast)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    dep = Deployment(home, workspace, {"RECOVERY_TEST_DIR": str(signals)}, tmp_path)

    with dg.DagsterInstance.get() as instance:

        def slot():
            return instance.event_log_storage.get_concurrency_info(POOL)

        def status(run_id: str) -> dg.DagsterRunStatus:
            return instance.get_run_by_id(run_id).status

        try:
            started = time.monotonic()
            dep.start()
            print(f"\ndeployment up in {time.monotonic() - started:.1f} s")

            # 1. A daemon-launched run takes the slot; its step reports the worker's pid.
            launched = dep.launch_run(LOCATION, "slow_job")
            marker = signals / f"{launched}.json"
            _wait("the launched run's step", marker.exists, 120, dep)
            launched_worker = json.loads(marker.read_text())["worker_pid"]
            assert [s.run_id for s in slot().claimed_slots] == [launched]

            # 2. An in-process run of a warehouse asset queues for the slot.
            cli = dep.spawn(
                "cli",
                *(BIN / "dagster", "job", "execute", "-f", tmp_path / "recovery_location.py"),
                *("-d", tmp_path, "-j", "slow_job"),
            )

            def in_process_run() -> str | None:
                pending = [s.run_id for s in slot().pending_steps if s.run_id != launched]
                return pending[0] if pending else None

            in_process = _wait("the in-process run to wait for the slot", in_process_run, 120, dep)
            assert status(in_process) == dg.DagsterRunStatus.STARTED

            # 3. SIGKILL both run workers (the processes that orchestrate the runs' steps).
            os.kill(launched_worker, signal.SIGKILL)
            os.kill(cli.pid, signal.SIGKILL)
            killed_at = time.monotonic()

            # 4. The next warehouse run must get through, without anyone touching anything.
            nxt = dep.launch_run(LOCATION, "quick_job")
            final = _wait(
                "the next warehouse run to finish",
                lambda: status(nxt) if instance.get_run_by_id(nxt).is_finished else None,
                RECOVERY_BOUND_S,
                dep,
                poll_s=1,
            )
            recovered_s = time.monotonic() - killed_at
            print(f"kill -> next warehouse run SUCCESS: {recovered_s:.1f} s")

            assert final == dg.DagsterRunStatus.SUCCESS, dep.log_tail()
            assert status(launched) == dg.DagsterRunStatus.FAILURE
            assert status(in_process) == dg.DagsterRunStatus.FAILURE
            failure = instance.get_records_for_run(
                in_process, of_type=dg.DagsterEventType.RUN_FAILURE
            ).records
            assert any("run worker process" in (r.event_log_entry.message or "") for r in failure)
            info = slot()
            assert info.claimed_slots == [] and info.pending_steps == [], info
            assert recovered_s < RECOVERY_BOUND_S
        finally:
            dep.stop()


IN_PROCESS = """
import sys
import dagster as dg
sys.path.insert(0, sys.argv[1])
from recovery_location import defs
job = defs.resolve_job_def(sys.argv[2])
with dg.DagsterInstance.get() as instance:
    ok = job.execute_in_process(instance=instance, raise_on_error=False).success
sys.exit(0 if ok else 1)
"""


def test_without_a_daemon_the_next_cli_run_recovers_the_slot(tmp_path: Path, monkeypatch):
    """`cmw demo` executes in-process with no daemon: `recover_dead_runs` frees a killed run."""
    import subprocess
    import sys

    from pipelines.run_recovery import recover_dead_runs

    signals = tmp_path / "signals"
    signals.mkdir()
    (tmp_path / "recovery_location.py").write_text(CODE)
    home = prepare_home(tmp_path / "dagster_home")
    env = {**os.environ, "DAGSTER_HOME": str(home), "RECOVERY_TEST_DIR": str(signals)}
    monkeypatch.setenv("DAGSTER_HOME", str(home))

    def in_process(job: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-c", IN_PROCESS, str(tmp_path), job],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    slow, quick = in_process("slow_job"), None
    try:
        deadline = time.monotonic() + 90
        while not list(signals.glob("*.json")) and time.monotonic() < deadline:
            assert slow.poll() is None, "the in-process run ended early"
            time.sleep(0.2)
        (marker,) = signals.glob("*.json")
        killed_run = marker.stem
        assert json.loads(marker.read_text())["step_pid"] == slow.pid  # in-process: one process
        os.kill(slow.pid, signal.SIGKILL)
        slow.wait(timeout=10)

        with dg.DagsterInstance.get() as instance:
            info = instance.event_log_storage.get_concurrency_info(POOL)
            assert [s.run_id for s in info.claimed_slots] == [killed_run]  # held by a dead run
            assert instance.get_run_by_id(killed_run).status == dg.DagsterRunStatus.STARTED

            assert recover_dead_runs(instance) == [killed_run]
            assert instance.get_run_by_id(killed_run).status == dg.DagsterRunStatus.FAILURE
            info = instance.event_log_storage.get_concurrency_info(POOL)
            assert info.claimed_slots == [] and info.pending_steps == []
            assert recover_dead_runs(instance) == []  # nothing left to recover

        quick = in_process("quick_job")
        assert quick.wait(timeout=120) == 0  # it got the slot
    finally:
        for proc in (slow, quick):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def _started_run(instance: dg.DagsterInstance, pid: int | None, tags: dict | None = None):
    from dagster._core.events import EngineEventData

    run = instance.add_run(
        dg.DagsterRun(job_name="slow_job", status=dg.DagsterRunStatus.STARTED, tags=tags or {})
    )
    if pid is not None:
        instance.report_engine_event(
            f"Started process for run (pid: {pid}).", run, EngineEventData.in_process(pid)
        )
    return run


def test_the_health_check_fails_only_runs_whose_local_worker_is_gone(tmp_path: Path):
    import subprocess
    import sys

    from dagster._core.launcher import WorkerStatus

    from pipelines.run_recovery import LocalRunLauncher, dead_worker_reason

    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    try:
        settings = {
            "run_launcher": {"module": "pipelines.run_recovery", "class": "LocalRunLauncher"}
        }
        with dg.instance_for_test(temp_dir=str(tmp_path), overrides=settings) as instance:
            launcher = instance.run_launcher
            assert isinstance(launcher, LocalRunLauncher)
            assert launcher.supports_check_run_worker_health

            def health(run) -> WorkerStatus:
                return launcher.check_run_worker_health(run).status

            alive_run = _started_run(instance, live.pid)
            dead_run = _started_run(instance, gone.pid)
            no_pid_yet = _started_run(instance, None)
            local = {".dagster/grpc_info": '{"host": "localhost", "socket": "/tmp/x"}'}
            remote = {".dagster/grpc_info": '{"host": "etl-7.internal", "port": 4000}'}
            dead_local_server = _started_run(instance, gone.pid, local)
            dead_remote_server = _started_run(instance, gone.pid, remote)

            assert health(alive_run) == WorkerStatus.RUNNING
            assert health(dead_run) == WorkerStatus.FAILED
            assert str(gone.pid) in dead_worker_reason(instance, dead_run)
            assert health(dead_local_server) == WorkerStatus.FAILED
            assert health(no_pid_yet) == WorkerStatus.RUNNING  # cannot tell: leave it alone
            assert health(dead_remote_server) == WorkerStatus.RUNNING  # not this machine's pid
    finally:
        live.kill()
        live.wait()


def test_a_zombie_or_a_reused_pid_is_not_the_worker():
    import subprocess
    import sys

    from pipelines.run_recovery import WorkerProcess, worker_is_alive

    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        now = time.time()
        assert worker_is_alive(WorkerProcess(proc.pid, now))
        if sys.platform.startswith("linux"):  # /proc tells start times and states
            # the same pid, reported two minutes before this process started: a reused pid
            assert not worker_is_alive(WorkerProcess(proc.pid, now - 120))
            proc.kill()
            time.sleep(0.5)  # killed, not reaped yet: a zombie
            assert not worker_is_alive(WorkerProcess(proc.pid, now))
        proc.kill()
        proc.wait()
        assert not worker_is_alive(WorkerProcess(proc.pid, now))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
