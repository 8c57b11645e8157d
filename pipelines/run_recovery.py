"""Recovery from a run whose worker process died: it must not hold the `warehouse` pool slot.

Every asset that writes the warehouse is in pool "warehouse" (limit 1, op granularity). A step
claims the pool's one slot in the instance's event storage and its run worker frees it when the
step ends. If the worker is SIGKILLed (OOM killer, `kill -9`, a reboot) nobody frees it:

* The run stays STARTED forever. Dagster's DefaultRunLauncher cannot tell the run-monitoring
  daemon whether a worker is alive (`supports_check_run_worker_health` is False), and a run
  executed in-process (`cmw demo`, `dagster asset materialize`) has no launcher at all. Only the
  code server that spawned a worker notices its death, and only while that server lives.
* The monitoring daemon frees the slots of *finished* runs only
  (`run_monitoring.free_slots_after_run_end_seconds`), so a STARTED run keeps the slot, the queue
  daemon keeps every later warehouse run QUEUED, and an in-process run waits for the slot forever.

`LocalRunLauncher` is the DefaultRunLauncher plus a worker health check, so Dagster's own run
monitoring (dagster.yaml `run_launcher` + `run_monitoring`) marks such a run FAILED within one
poll interval and then frees its slots. The worker is identified by the pid that Dagster records
in the run's engine events ("Started process for run (pid: N)", "Executing steps ... (pid: N)").
Without a daemon (`cmw demo`), `recover_dead_runs` does the same on demand.

A pid check is only meaningful on the machine that ran the worker: runs launched through a code
server on another host, and in-process runs of an instance with non-SQLite (shared) storage, are
never judged dead here. A pid that was reused by a newer process counts as dead (Linux: the
process start time is compared with the time the worker reported its pid).
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from dagster._core.events import DagsterEventType
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus
from dagster._core.storage.tags import GRPC_INFO_TAG

# Tolerance when comparing a process's start time with the time its pid was reported: /proc's
# boot time has a one-second resolution, and the wall clock may be stepped (NTP) in between.
_CLOCK_SLACK_S = 30.0
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


@dataclass(frozen=True)
class WorkerProcess:
    """The run worker's pid, and when (epoch seconds) the worker reported it."""

    pid: int
    reported_at: float


def run_worker_process(instance: dg.DagsterInstance, run_id: str) -> WorkerProcess | None:
    """The newest run-level engine event that carries a pid names the run's worker process.

    Those events are emitted by the worker itself: by the code server's subprocess ("Started
    process for run"), by `dagster api execute_run`, and by the in-process and multiprocess
    executors in the process that orchestrates the steps.
    """
    records = instance.get_records_for_run(
        run_id, of_type=DagsterEventType.ENGINE_EVENT, ascending=False, limit=200
    ).records
    for record in records:
        entry = record.event_log_entry
        event = entry.dagster_event
        if event is None or entry.step_key is not None:
            continue
        metadata = getattr(event.event_specific_data, "metadata", None) or {}
        pid = metadata.get("pid")
        value = getattr(pid, "value", pid)
        if value is not None and str(value).isdigit():
            return WorkerProcess(int(str(value)), entry.timestamp)
    return None


def _proc_state(pid: int) -> tuple[str, float, float] | None:
    """(state, process start, boot time), both times in epoch seconds, from Linux's /proc;
    None where /proc cannot tell."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        return fields[0], boot + int(fields[19]) / os.sysconf("SC_CLK_TCK"), boot
    except (OSError, StopIteration, ValueError, IndexError):
        return None


def worker_is_alive(worker: WorkerProcess) -> bool:
    """True while the process that reported this pid may still run.

    Dead: no such process, a zombie, a process that started after the worker reported this pid
    (the pid was reused), or a worker that reported before the machine last booted.
    """
    try:
        os.kill(worker.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by another user
    proc = _proc_state(worker.pid)
    if proc is None:
        return True
    state, started, booted = proc
    if state in ("Z", "X", "x"):
        return False
    return not (
        started > worker.reported_at + _CLOCK_SLACK_S
        or worker.reported_at < booted - _CLOCK_SLACK_S
    )


def worker_is_local(instance: dg.DagsterInstance, run: dg.DagsterRun) -> bool:
    """Whether this machine can judge the run's worker by pid."""
    grpc_info = run.tags.get(GRPC_INFO_TAG)
    if grpc_info:
        try:
            info = json.loads(grpc_info)
        except ValueError:
            return False
        host = info.get("host")
        return bool(info.get("socket")) or host in _LOCAL_HOSTS | {
            socket.gethostname(),
            socket.getfqdn(),
        }
    # Executed in-process by some client (no code server): only a single-machine instance
    # (SQLite storage) guarantees that the client ran here.
    if instance.is_ephemeral:
        return False  # its runs live in this process's memory only
    ref = instance.get_ref()
    storage = ref.run_storage_data.class_name if ref.run_storage_data else ""
    return storage.startswith("Sqlite")


def dead_worker_reason(instance: dg.DagsterInstance, run: dg.DagsterRun) -> str | None:
    """Why the STARTED run's worker is known to be dead, or None (alive, or cannot tell)."""
    if run.status != dg.DagsterRunStatus.STARTED or not worker_is_local(instance, run):
        return None
    worker = run_worker_process(instance, run.run_id)
    if worker is None or worker_is_alive(worker):
        return None
    return (
        f"run worker process {worker.pid} of run {run.run_id} ({run.job_name}) is gone: it was "
        "killed or crashed without reporting an end; the run cannot finish and its pool "
        "slots are released"
    )


class LocalRunLauncher(dg.DefaultRunLauncher):
    """DefaultRunLauncher whose run workers the run-monitoring daemon can health-check.

    Configure it in dagster.yaml (`run_launcher: {module: pipelines.run_recovery, class:
    LocalRunLauncher}`) with `run_monitoring.enabled: true` and `max_resume_run_attempts: 0`.
    A STARTED run whose worker is dead is reported FAILED by the daemon; the daemon then frees
    its pool slots `free_slots_after_run_end_seconds` later. Launching is unchanged.
    """

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        reason = dead_worker_reason(self._instance, run)
        if reason:
            return CheckRunHealthResult(WorkerStatus.FAILED, reason)
        # Alive, not started yet, or not checkable from here: the daemon must leave it alone
        # (any status but RUNNING/SUCCESS makes it fail the run).
        return CheckRunHealthResult(WorkerStatus.RUNNING)


def recover_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Fail every STARTED run whose worker is dead and free its pool slots now.

    For in-process execution without a daemon (`cmw demo`): call before launching, so a run
    killed earlier cannot hold the warehouse slot for ever. Returns the recovered run ids.
    """
    recovered = []
    for record in instance.get_run_records(
        filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])
    ):
        run = record.dagster_run
        reason = dead_worker_reason(instance, run)
        if reason is None:
            continue
        instance.report_run_failed(run, f"Marked failed by pipelines.run_recovery: {reason}.")
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        recovered.append(run.run_id)
    return recovered
