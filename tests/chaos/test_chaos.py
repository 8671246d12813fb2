"""The chaos run's short mode (`make chaos` runs the long one): every kind of fault at least
once under load, and Signal keeps every promise a 2xx made."""

import json
import shutil
import subprocess
import sys

import pytest

from tests.chaos.faults import KINDS
from tests.chaos.services import missing_binaries
from tests.support.processes import ROOT
from tests.support.services import missing

# The fixture's run (about two minutes) counts against the first test's timeout.
pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.timeout(320)]
SEED = 7
SECONDS = 50


@pytest.fixture(scope="module")
def figures(artifacts) -> dict:
    """Run `python -m tests.chaos.run` in its short mode once; its figures."""
    if reason := missing_binaries():
        missing(reason)
    logs = artifacts / "chaos" / "short"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    out = logs / "figures.json"
    args = ["--short", "--duration", str(SECONDS), "--seed", str(SEED), "--json", str(out)]
    done = subprocess.run(
        [sys.executable, "-m", "tests.chaos.run", *args, "--logs", str(logs)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
    )
    print(done.stdout)
    assert out.exists(), f"the chaos run did not finish:\n{done.stdout}\n{done.stderr[-3000:]}"
    result = json.loads(out.read_text())
    result["table"] = done.stdout
    return result


def test_every_kind_of_fault_was_injected_under_load(figures):
    assert [kind for kind in KINDS if not figures["faults"].get(kind)] == [], figures["table"]
    assert not figures["injector_errors"], figures["table"]
    assert figures["sent"] > 1000, figures["table"]


def test_every_acknowledged_event_reached_mixpanel_and_nothing_else_did(figures):
    assert figures["lost"] == 0, figures["table"]
    assert figures["acknowledged"] == figures["delivered"], figures["table"]
    assert figures["unknown_delivered"] == 0, figures["table"]
    assert figures["drained"], figures["table"]
    assert figures["deliveries"] == {"delivered": figures["delivered"]}, figures["table"]


def test_mixpanel_got_no_event_twice_except_after_a_worker_died_mid_send(figures):
    # A worker killed between Mixpanel's answer and its write cannot have recorded the send:
    # those rows go out again (same bytes, which Mixpanel deduplicates). Nothing else may.
    assert figures["duplicates"] == figures["duplicates_explained"], figures["table"]
    assert figures["duplicates_after_mixpanel_dedupe"] == 0, figures["table"]


def test_the_collector_answered_only_200_or_503_and_only_503_while_postgres_was_down(figures):
    statuses = {o for o in figures["requests"] if o.isdigit()}
    assert statuses <= {"200", "503"}, figures["table"]
    assert set(figures["outage_answers"]) == {"503"}, figures["table"]
