"""Golden-file helpers every destination's tests share: load a fixture case, run the
destination's transform, compare or rewrite.

A case is `tests/fixtures/<destination>/<variant>/<case>.input.json`:
    {"description": "...", "blueprint_patch": {...}, "config_patch": {...}, "event": {...}}
`blueprint_patch` (optional) is deep-merged onto the variant's shipped blueprint (objects
merge, anything else replaces); `config_patch` (optional) overrides the destination's test
config keys, and a null removes one (e.g. `{"api_secret": null}`). Beside it,
`<case>.expected.json` is the serialised Outcome.
Run with SIGNAL_REGOLD=1 to rewrite expected files, then read the diff: they are the spec.
"""

import copy
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from integrations.destinations.base import Destination

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
NOW = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
REGOLD = os.environ.get("SIGNAL_REGOLD") == "1"


def case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name.removesuffix('.input.json')}"


def merged(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


class Golden:
    """One destination's golden cases: its fixtures folder and the config they patch."""

    def __init__(self, destination: Destination, config: dict[str, Any]) -> None:
        self.destination = destination
        self.config = config
        self.fixtures = FIXTURES / destination.key

    def cases(self) -> list[Path]:
        """Every case, in a stable order."""
        return sorted(self.fixtures.glob("*/*.input.json"))

    def run_case(self, path: Path) -> dict[str, Any]:
        """The case's Outcome as JSON, from the destination's transform."""
        case = json.loads(path.read_text())
        patch = case.get("blueprint_patch", {})
        blueprint = merged(self.destination.load_blueprint(path.parent.name), patch)
        config = {**self.config, **case.get("config_patch", {})}
        config = {key: value for key, value in config.items() if value is not None}
        return self.destination.transform(case["event"], blueprint, config, NOW).to_json()


def expected_path(path: Path) -> Path:
    return path.with_name(path.name.replace(".input.json", ".expected.json"))


def dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def assert_golden(expected_file: Path, actual: Any) -> None:
    """`actual` is what `expected_file` holds (rewritten first with SIGNAL_REGOLD=1)."""
    if REGOLD:
        expected_file.write_text(dump(actual))
    assert expected_file.exists(), f"no {expected_file.name}: run with SIGNAL_REGOLD=1"
    assert actual == json.loads(expected_file.read_text())
