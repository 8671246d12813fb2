"""Every fixture event turns into exactly the Amplitude operations written beside it."""

from pathlib import Path

import pytest

from tests.amplitude.golden import FIXTURES, assert_golden, case_id, cases, expected_path, run_case


@pytest.mark.parametrize("path", cases(), ids=case_id)
def test_the_event_becomes_the_expected_amplitude_operations(path: Path) -> None:
    # when
    actual = run_case(path)
    # then
    assert_golden(expected_path(path), actual)


def test_every_variant_has_at_least_eight_golden_cases() -> None:
    by_variant: dict[str, int] = {}
    for path in cases():
        by_variant[path.parent.name] = by_variant.get(path.parent.name, 0) + 1
    assert set(by_variant) == {"default", "retail", "b2b_saas"}
    assert min(by_variant.values()) >= 8


def test_every_expected_file_has_its_input() -> None:
    inputs = {case_id(path) for path in cases()}
    expected = {
        f"{p.parent.name}/{p.name.removesuffix('.expected.json')}"
        for p in FIXTURES.glob("*/*.expected.json")
    }
    assert expected <= inputs
