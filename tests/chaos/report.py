"""The run's figures, the checks on them, and the table `make chaos` prints.

- sent: distinct events the clients made; acknowledged: those in a 2xx answer;
- delivered: distinct events Mixpanel ingested (by the `chaos_id` each carries);
- duplicates: extra copies Mixpanel ingested, counted raw per `$insert_id` (Mixpanel itself
  would merge them: same `$insert_id`, `time`, event and `distinct_id`); a copy counts as
  explained when a fault cut the first send off before Signal could record it (a worker
  killed, or one that exited, within a few seconds of Mixpanel ingesting it);
- recovery of a fault: from its end until every event acknowledged by then has reached
  Mixpanel (the backlog it caused has drained).
"""

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from tests.chaos.faults import KINDS, Fault
from tests.chaos.load import Load

# A send whose answer Signal never recorded: Mixpanel ingested it at most this long before
# the fault that cut it off (the round's write follows the answer within milliseconds; a
# loaded machine can take a second or two).
CUT_OFF_SECONDS = 3.0
# What PostgreSQL being down may answer; a killed web server's client sees a refusal instead.
OUTAGE_ANSWERS = {"503"}


@dataclass
class Figures:
    seed: int
    duration: float
    started: float = 0.0  # time.monotonic() of the load's start; the `t` of every time
    sent: int = 0
    acknowledged: int = 0
    delivered: int = 0
    lost: int = 0  # acknowledged, never delivered
    delivered_unacknowledged: int = 0  # stored, but the client never heard the 2xx
    duplicates: int = 0
    duplicates_explained: int = 0
    duplicates_after_mixpanel_dedupe: int = 0
    duplicate_copies: list[list[float]] = field(default_factory=list)  # ingested at, t=s
    unknown_delivered: int = 0  # ingested events no client sent
    requests: dict[str, int] = field(default_factory=dict)  # outcome -> count
    outage_answers: dict[str, int] = field(default_factory=dict)  # while PostgreSQL was down
    faults: dict[str, int] = field(default_factory=dict)
    fault_log: list[dict[str, Any]] = field(default_factory=list)
    unexpected_exits: list[str] = field(default_factory=list)
    longest_recovery: float = 0.0
    recovery_by_kind: dict[str, float] = field(default_factory=dict)  # the longest of each
    longest_recovery_fault: str = ""
    drain_seconds: float = 0.0
    drained: bool = False
    deliveries: dict[str, int] = field(default_factory=dict)  # status -> count, in the DB
    gave_up: int = 0
    injector_errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def ingested_ids(events: list[dict]) -> dict[str, list[dict]]:
    """chaos_id -> every ingested copy."""
    copies: dict[str, list[dict]] = {}
    for item in events:
        copies.setdefault(str(item["properties"].get("chaos_id")), []).append(item)
    return copies


def mixpanel_key(item: dict) -> tuple:
    props = item["properties"]
    return (item["event"], str(props.get("distinct_id")), props.get("time"), props["$insert_id"])


def count_deliveries(figures: Figures, load: Load, events: list[dict]) -> None:
    copies = ingested_ids(events)
    sent, acked = set(load.sent), set(load.acked)
    delivered = set(copies) & sent
    figures.sent, figures.acknowledged, figures.delivered = len(sent), len(acked), len(delivered)
    figures.lost = len(acked - delivered)
    figures.delivered_unacknowledged = len(delivered - acked)
    figures.unknown_delivered = len(set(copies) - sent)
    figures.duplicates = sum(len(c) - 1 for c in copies.values())
    figures.duplicates_after_mixpanel_dedupe = sum(
        len({mixpanel_key(i) for i in c}) - 1 for c in copies.values()
    )
    figures.gave_up = load.gave_up


def explain_duplicates(
    figures: Figures, ingested_at: dict[str, list[float]], cuts: list[tuple[float, float]]
) -> None:
    """Count the extra copies whose first send a fault cut off before it was recorded."""
    explained = 0
    for times in ingested_at.values():
        if len(times) > 1:
            first = min(times)
            figures.duplicate_copies.append([round(t - figures.started, 2) for t in times])
            if any(start <= first <= end for start, end in cuts):
                explained += len(times) - 1
    figures.duplicates_explained = explained


def cut_offs(faults: list[Fault], exits: list[Any]) -> list[tuple[float, float]]:
    """When a send whose answer Signal could not record may have been ingested: shortly
    before a worker died, or from shortly before PostgreSQL stopped until it was back."""
    cuts = [(f.started - CUT_OFF_SECONDS, f.ended + 0.5) for f in faults if f.kind == "worker_kill"]
    cuts += [(f.started - CUT_OFF_SECONDS, f.ended) for f in faults if f.kind == "postgres_restart"]
    cuts += [(e.at - CUT_OFF_SECONDS, e.at + 0.5) for e in exits if e.name.startswith("worker")]
    return cuts


def count_requests(figures: Figures, load: Load, faults: list[Fault]) -> None:
    figures.requests = dict(Counter(r.outcome for r in load.requests))
    outages = [f.down for f in faults if f.down]
    during = Counter(
        r.outcome
        for r in load.requests
        if any(down[0] <= r.started and r.ended <= down[1] for down in outages)
    )
    figures.outage_answers = dict(during)


def recoveries(load: Load, delivered_at: dict[str, float], faults: list[Fault]) -> list[float]:
    """Per fault: seconds from its end until all acknowledged by then was delivered."""
    acked = sorted((at, mid) for mid, at in load.acked.items())
    out = []
    for fault in faults:
        latest = max(
            (delivered_at.get(mid, float("inf")) for at, mid in acked if at <= fault.ended),
            default=fault.ended,
        )
        out.append(max(0.0, latest - fault.ended))
    return out


def delivered_times(events_at: dict[str, list[float]], insert_to_chaos: dict[str, str]):
    return {insert_to_chaos[i]: min(t) for i, t in events_at.items() if i in insert_to_chaos}


def check(figures: Figures, every_kind: bool) -> None:
    v = figures.violations
    if figures.acknowledged != figures.delivered or figures.lost:
        v.append(
            f"acknowledged {figures.acknowledged} != delivered {figures.delivered} "
            f"({figures.lost} acknowledged events never reached Mixpanel)"
        )
    if figures.duplicates_after_mixpanel_dedupe:
        v.append(f"{figures.duplicates_after_mixpanel_dedupe} resends differed from the first")
    if figures.duplicates > figures.duplicates_explained:
        unexplained = figures.duplicates - figures.duplicates_explained
        v.append(f"{unexplained} duplicates at Mixpanel that no fault explains")
    if figures.unknown_delivered:
        v.append(f"{figures.unknown_delivered} events at Mixpanel that no client sent")
    for outcome, count in figures.requests.items():
        if outcome.isdigit() and outcome not in ("200", "503"):
            v.append(f"{count} requests answered {outcome}")
    bad = {k: n for k, n in figures.outage_answers.items() if k not in OUTAGE_ANSWERS}
    if bad:
        v.append(f"while PostgreSQL was down the collector answered {bad}, not only 503")
    if figures.faults.get("postgres_restart") and not figures.outage_answers.get("503"):
        v.append("no request was answered 503 while PostgreSQL was down")
    if not figures.drained:
        v.append(f"the pipeline did not drain within {figures.drain_seconds:.0f} s")
    if figures.deliveries.get("failed"):
        v.append(f"{figures.deliveries['failed']} deliveries failed")
    if every_kind:
        missing = [k for k in KINDS if not figures.faults.get(k)]
        if missing:
            v.append(f"faults never injected: {', '.join(missing)}")
    v.extend(f"fault not injected: {e}" for e in figures.injector_errors)


def table(figures: Figures) -> str:
    rows = [
        ("seed", figures.seed),
        ("load phase", f"{figures.duration:.0f} s"),
        ("events sent", figures.sent),
        ("acknowledged (2xx)", figures.acknowledged),
        ("delivered (distinct at Mixpanel)", figures.delivered),
        ("acknowledged but not delivered", figures.lost),
        ("delivered but never acknowledged", figures.delivered_unacknowledged),
        ("duplicates at the fake (raw)", figures.duplicates),
        ("  of them after a send was cut off", figures.duplicates_explained),
        ("  left after Mixpanel's dedupe", figures.duplicates_after_mixpanel_dedupe),
        ("requests", _counts(figures.requests)),
        ("answers while PostgreSQL was down", _counts(figures.outage_answers) or "-"),
        ("faults injected", sum(figures.faults.values())),
        *(
            (
                f"  {kind}",
                f"{figures.faults.get(kind, 0):<4} longest recovery "
                f"{figures.recovery_by_kind.get(kind, 0):.1f} s",
            )
            for kind in KINDS
        ),
        ("unexpected process exits", ", ".join(figures.unexpected_exits) or "none"),
        (
            "longest recovery",
            f"{figures.longest_recovery:.1f} s ({figures.longest_recovery_fault})",
        ),
        ("drained after the load", f"{figures.drain_seconds:.1f} s"),
        ("deliveries in the database", _counts(figures.deliveries)),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"{name.ljust(width)}  {value}" for name, value in rows]
    verdict = "PASS" if not figures.violations else "FAIL"
    lines.append(f"{'verdict'.ljust(width)}  {verdict}")
    lines.extend(f"  - {problem}" for problem in figures.violations)
    return "\n".join(lines)


def fault_lines(figures: Figures) -> str:
    return "\n".join(
        f"  t={f['at']:6.1f} s  {f['kind']:<17} {f['detail']:<34} "
        f"recovered in {f['recovery']:.1f} s"
        for f in figures.fault_log
    )


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
