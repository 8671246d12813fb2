"""Every fixture event turns into exactly the Mixpanel operations written beside it."""

from pathlib import Path

import pytest

from tests.mixpanel.golden import assert_golden, case_id, cases, expected_path, run_case


@pytest.mark.parametrize("path", cases(), ids=case_id)
def test_the_event_becomes_the_expected_mixpanel_operations(path: Path) -> None:
    # when
    actual = run_case(path)
    # then
    assert_golden(expected_path(path), actual)


def test_every_variant_has_golden_cases() -> None:
    variants = {path.parent.name for path in cases()}
    assert variants == {"default", "retail", "b2b_saas"}


def test_every_expected_file_has_its_input() -> None:
    inputs = {case_id(path) for path in cases()}
    expected = {
        f"{p.parent.name}/{p.name.removesuffix('.expected.json')}"
        for p in Path(cases()[0].parent.parent).glob("*/*.expected.json")
    }
    assert expected <= inputs
