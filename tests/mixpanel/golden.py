"""Golden-file helpers for Mixpanel (see tests/support/golden.py for a case's shape): the
fixtures under `tests/fixtures/mixpanel/`, the test config, and Mixpanel's transform.
"""

from pathlib import Path
from typing import Any

from integrations.destinations.mixpanel.entry import MIXPANEL
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

FIXTURES = golden.FIXTURES / "mixpanel"
CONFIG = {"project_token": "abc123def456789", "api_secret": "secret-xyz"}


def cases() -> list[Path]:
    return golden.cases_in(FIXTURES)


def run_case(path: Path) -> dict[str, Any]:
    return golden.run_case_for(MIXPANEL, CONFIG, path)
