"""CPU seconds used by each kind of process on the machine, read from /proc.

The benchmark prints where the CPU of a phase went (web, workers, PostgreSQL, the fake
Mixpanel, the load generator), which says more than a profile of any one process.
"""

import os
from collections import Counter
from pathlib import Path
from typing import NamedTuple

TICKS = os.sysconf("SC_CLK_TCK")
KINDS = (
    ("daphne", "web"),
    ("celery", "worker"),
    ("postgres", "postgres"),
    ("redis", "redis"),
    ("fake_mixpanel", "fake Mixpanel"),
    ("fake_amplitude", "fake Amplitude"),
    ("wrk", "load (wrk)"),
    ("pytest", "load (bench)"),
)


class Proc(NamedTuple):
    parent: int
    cmdline: str
    cpu: float  # seconds, user + system
    queued: float  # seconds runnable but waiting for a core (schedstat)


def kind_of(cmdline: str) -> str:
    return next((kind for needle, kind in KINDS if needle in cmdline), "other")


def processes() -> dict[int, Proc]:
    found: dict[int, Proc] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        cpu = (int(fields[11]) + int(fields[12])) / TICKS
        found[int(entry.name)] = Proc(int(fields[1]), cmdline, cpu, _queued(entry))
    return found


def _queued(entry: Path) -> float:
    try:  # kernels without schedstats have no such file
        return int((entry / "schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def this_run(procs: dict[int, Proc], database: str) -> set[int]:
    """This process, its descendants, and the PostgreSQL backends serving `database`."""
    children: dict[int, list[int]] = {}
    for pid, proc in procs.items():
        children.setdefault(proc.parent, []).append(pid)
    mine, todo = set(), [os.getpid()]
    while todo:
        pid = todo.pop()
        mine.add(pid)
        todo.extend(children.get(pid, []))
    backend = f" {database} "
    return mine | {
        pid
        for pid, proc in procs.items()
        if proc.cmdline.startswith("postgres:") and backend in proc.cmdline
    }


def snapshot(database: str | None = None) -> Counter:
    """Kind -> CPU seconds (user + system) of every process alive now.

    With `database`, only this run's processes are told apart (see `this_run`), and the
    machine's own counters (/proc/stat) say what the rest of it used meanwhile: other test
    runs on a shared host ("elsewhere", by difference, so processes that came and went
    count too) and the hypervisor ("stolen")."""
    procs = processes()
    mine = None if database is None else this_run(procs, database)
    used: Counter = Counter()
    for pid, proc in procs.items():
        if mine is None or pid in mine:
            used[kind_of(proc.cmdline)] += proc.cpu
    if mine is not None:
        used[BUSY], used[STOLEN] = machine()
    return used


BUSY, STOLEN = "_busy", "stolen"


def machine() -> tuple[float, float]:
    """The machine's busy and stolen CPU seconds since boot, all cores."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq) / TICKS, steal / TICKS


def queued(database: str) -> Counter:
    """Kind -> seconds this run's processes spent runnable but waiting for a free core:
    on a shared machine, what the others' load cost them."""
    procs = processes()
    waited: Counter = Counter()
    for pid in this_run(procs, database):
        if pid in procs:
            waited[kind_of(procs[pid].cmdline)] += procs[pid].queued
    return waited


def summary(before: Counter, after: Counter, seconds: float) -> str:
    spent = {k: after[k] - before.get(k, 0.0) for k in after}
    if BUSY in spent:
        busy = spent.pop(BUSY)
        spent["elsewhere"] = busy - sum(v for k, v in spent.items() if k != STOLEN)
    parts = [f"{k} {v:.1f}" for k, v in sorted(spent.items(), key=lambda kv: -kv[1]) if v >= 0.1]
    return f"CPU seconds in {seconds:.1f} s: " + ", ".join(parts)


def queued_summary(before: Counter, after: Counter) -> str:
    spent = {k: after[k] - before.get(k, 0.0) for k in after}
    parts = [f"{k} {v:.1f}" for k, v in sorted(spent.items(), key=lambda kv: -kv[1]) if v >= 0.1]
    return "seconds waiting for a free core: " + (", ".join(parts) or "none")


def own_seconds(before: Counter, after: Counter) -> float:
    """CPU seconds this run's processes used between two `snapshot(database)`s: a phase's
    cost that a neighbour's load on a shared machine does not change."""
    return sum(after[k] - before.get(k, 0.0) for k in after if k not in (BUSY, STOLEN))
