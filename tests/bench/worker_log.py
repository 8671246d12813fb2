"""Where the workers' time went: Celery's "Task ... succeeded in X s" lines, summed by task.

A phase's wall time says how fast; this says whether the fan-out or the sending filled the
worker processes, which is what a fan-out cost ratio needs to be explained.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

SUCCEEDED = re.compile(rb"Task (\S+?)\[[^\]]+\] succeeded in ([\d.]+)s: (\S+)")


@dataclass
class TaskTime:
    runs: int = 0
    seconds: float = 0.0
    items: int = 0  # what the tasks returned, summed (events fanned out, deliveries tried)


@dataclass
class WorkerTime:
    tasks: dict[str, TaskTime] = field(default_factory=lambda: defaultdict(TaskTime))

    def line(self) -> str:
        parts = [
            f"{name.rsplit('.', 1)[-1]} {t.seconds:.1f} s in {t.runs} tasks ({t.items} items)"
            for name, t in sorted(self.tasks.items(), key=lambda kv: -kv[1].seconds)
            if t.runs
        ]
        return "worker task time: " + ", ".join(parts)


def log_size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def worker_time(path: Path, since: int) -> WorkerTime:
    """Sum the tasks that finished in the log after byte offset `since`."""
    out = WorkerTime()
    with open(path, "rb") as log:
        log.seek(since)
        for match in SUCCEEDED.finditer(log.read()):
            task = out.tasks[match.group(1).decode()]
            task.runs += 1
            task.seconds += float(match.group(2))
            task.items += int(match.group(3)) if match.group(3).isdigit() else 0
    return out
