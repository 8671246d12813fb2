"""Golden-file helpers for Amplitude (see tests/support/golden.py for a case's shape): the
fixtures under `tests/fixtures/amplitude/`, the test config, and Amplitude's transform.
"""

from pathlib import Path
from typing import Any

from integrations.destinations.amplitude.entry import AMPLITUDE
from tests.support import golden
from tests.support.golden import NOW, assert_golden, case_id, expected_path, merged

__all__ = [
    "CONFIG",
    "FIXTURES",
    "NOW",
    "assert_golden",
    "case_id",
    "cases",
    "expected_path",
    "merged",
    "run_case",
]

FIXTURES = golden.FIXTURES / "amplitude"
CONFIG = {"api_key": "0123456789abcdef0123456789abcdef", "secret_key": "amp-secret-xyz"}


def cases() -> list[Path]:
    return golden.cases_in(FIXTURES)


def run_case(path: Path) -> dict[str, Any]:
    return golden.run_case_for(AMPLITUDE, CONFIG, path)
