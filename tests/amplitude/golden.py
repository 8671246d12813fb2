"""Golden-file helpers for Amplitude: load a fixture case, run the transform, compare or rewrite.

A case is `tests/fixtures/amplitude/<variant>/<case>.input.json`:
    {"description": "...", "blueprint_patch": {...}, "config_patch": {...}, "event": {...}}
`blueprint_patch` (optional) is deep-merged onto the variant's shipped blueprint (objects
merge, anything else replaces); `config_patch` (optional) overrides CONFIG's keys, and a
null removes one. Beside it, `<case>.expected.json` is the serialised Outcome.
Run with SIGNAL_REGOLD=1 to rewrite expected files, then read the diff: they are the spec.
"""

import copy
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from integrations.destinations.amplitude.entry import AMPLITUDE

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "amplitude"
NOW = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
CONFIG = {"api_key": "0123456789abcdef0123456789abcdef", "secret_key": "amp-secret-xyz"}
REGOLD = os.environ.get("SIGNAL_REGOLD") == "1"


def cases() -> list[Path]:
    return sorted(FIXTURES.glob("*/*.input.json"))


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


def run_case(path: Path) -> dict[str, Any]:
    case = json.loads(path.read_text())
    blueprint = merged(AMPLITUDE.load_blueprint(path.parent.name), case.get("blueprint_patch", {}))
    config = {**CONFIG, **case.get("config_patch", {})}
    config = {key: value for key, value in config.items() if value is not None}
    return AMPLITUDE.transform(case["event"], blueprint, config, NOW).to_json()


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
