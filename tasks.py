#!/usr/bin/env python3
"""Set-up and entry points that need nothing but python3 (>= 3.11) and pip.

    python3 tasks.py demo    # install, then run the main job on the bundled snapshot
    python3 tasks.py test    # install (plus a DuckDB 1.4 client and Debian's chromium for the
                             # compatibility and browser tests), run pytest on up to 4
                             # worker processes (pytest-xdist; `-n 0` for one process)
    python3 tasks.py ui      # install, then start the Dagster UI (dagster dev) on port 3000
    python3 tasks.py bench [names] [--n N] [--quick]
                             # install, then run the benchmarks (bench/run.py): JSON lines on
                             # stdout, kept in bench/results.json

Installs uv into .tools/ with pip, then `uv sync --locked` builds .venv from uv.lock.
DAGSTER_HOME is the project-local .dagster_home/, which gets a link to ./dagster.yaml.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TOOLS = ROOT / ".tools"
UV_VERSION = "0.13.9"
COMPAT_DUCKDB = "1.4.0"  # the oldest DuckDB client the published file must open in
COMPAT_DIR = ROOT / ".cache" / f"duckdb-{COMPAT_DUCKDB}"


def run(*cmd: str | Path, env: dict | None = None) -> None:
    print("+", " ".join(map(str, cmd)), file=sys.stderr, flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, env=env)


def uv() -> Path:
    exe = TOOLS / "bin" / "uv"
    if not exe.exists():
        if sys.version_info < (3, 11):  # noqa: UP036 (tasks.py may run under any python3)
            sys.exit("python >= 3.11 is required")
        venv.create(TOOLS, with_pip=True)
        run(TOOLS / "bin" / "python", "-m", "pip", "install", "--quiet", f"uv=={UV_VERSION}")
    return exe


def project_env() -> dict[str, str]:
    home = ROOT / ".dagster_home"
    home.mkdir(exist_ok=True)
    link = home / "dagster.yaml"
    if not link.exists():
        link.symlink_to(ROOT / "dagster.yaml")
    env = dict(os.environ)
    env.setdefault("DAGSTER_HOME", str(home))
    env["UV_PROJECT_ENVIRONMENT"] = str(ROOT / ".venv")
    return env


def sync() -> dict[str, str]:
    env = project_env()
    run(uv(), "sync", "--locked", env=env)
    return env


def compat_client(env: dict[str, str]) -> None:
    py = COMPAT_DIR / "bin" / "python"
    if not py.exists():
        run(uv(), "venv", "--quiet", COMPAT_DIR, env=env)
    run(uv(), "pip", "install", "--quiet", "--python", py, f"duckdb=={COMPAT_DUCKDB}", env=env)


def browser() -> None:
    """Debian's Chromium for the report's real-browser test (no browser download by tools)."""
    if Path("/usr/bin/chromium").exists():
        return
    if os.geteuid() == 0 and Path("/usr/bin/apt-get").exists():
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run("apt-get", "update", "-qq", env=env)
        run("apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium", env=env)
    else:
        print("! /usr/bin/chromium is missing: install Debian's chromium for the browser test")


def main(argv: list[str]) -> None:
    cmd = argv[0] if argv else "help"
    rest = argv[1:]
    if cmd == "demo":
        env = sync()
        run(uv(), "run", "--locked", "cmw", "demo", *rest, env=env)
    elif cmd == "test":
        env = sync()
        compat_client(env)
        browser()
        env["CMW_COMPAT_PYTHON"] = str(COMPAT_DIR / "bin" / "python")
        # pytest-xdist: test files spread over up to 4 worker processes (each file stays on one
        # worker, so a file's fixtures are built once); `-n 0` runs everything in one process
        workers = (
            []
            if any(a == "-n" or a.startswith("-n") for a in rest)
            else ["-n", str(min(4, os.cpu_count() or 1)), "--dist", "loadfile"]
        )
        run(uv(), "run", "--locked", "pytest", *workers, *rest, env=env)
    elif cmd == "ui":
        env = sync()
        run(uv(), "run", "--locked", "dagster", "dev", *rest, env=env)
    elif cmd == "bench":
        env = sync()
        run(uv(), "run", "--locked", "python", "-m", "bench.run", *rest, env=env)
    elif cmd == "lint":
        env = sync()
        run(uv(), "run", "--locked", "ruff", "check", ".", env=env)
        run(uv(), "run", "--locked", "ruff", "format", "--check", ".", env=env)
    else:
        print(__doc__)
        sys.exit(0 if cmd == "help" else 2)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
