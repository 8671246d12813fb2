"""CPU seconds used by each kind of process on the machine, read from /proc.

The benchmark prints where the CPU of a phase went (web, workers, PostgreSQL, the fake
Mixpanel, the load generator), which says more than a profile of any one process.
"""

import os
from collections import Counter
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
KINDS = (
    ("daphne", "web"),
    ("celery", "worker"),
    ("postgres", "postgres"),
    ("redis", "redis"),
    ("fake_mixpanel", "fake Mixpanel"),
    ("wrk", "load (wrk)"),
    ("pytest", "load (bench)"),
)


def kind_of(cmdline: str) -> str:
    return next((kind for needle, kind in KINDS if needle in cmdline), "other")


def snapshot() -> Counter:
    """Kind -> CPU seconds (user + system) of every process alive now."""
    used: Counter = Counter()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        used[kind_of(cmdline)] += (int(fields[11]) + int(fields[12])) / TICKS
    return used


def summary(before: Counter, after: Counter, seconds: float) -> str:
    spent = {k: after[k] - before.get(k, 0.0) for k in after}
    parts = [f"{k} {v:.1f}" for k, v in sorted(spent.items(), key=lambda kv: -kv[1]) if v >= 0.1]
    return f"CPU seconds in {seconds:.1f} s: " + ", ".join(parts)
