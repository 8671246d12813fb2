"""Every body a real SDK sends, taken in by the collector, becomes the Mixpanel requests
written beside it (see tests/fixtures/sdk/README.md for what each case shows)."""

import json
from pathlib import Path

import pytest

from tests.mixpanel.golden import assert_golden, expected_path
from tests.mixpanel.sdk_golden import (
    SDK_FIXTURES,
    SDKS,
    path_type,
    run_sdk_case,
    sdk_case_id,
    sdk_cases,
)

REQUIRED_KEYS = {"description", "sdk", "variant", "received_at", "client_ip", "path", "event"}


@pytest.mark.parametrize("path", sdk_cases(), ids=sdk_case_id)
def test_the_sdk_body_becomes_the_expected_mixpanel_operations(path: Path) -> None:
    # when
    actual = run_sdk_case(path)
    # then
    assert_golden(expected_path(path), actual)


@pytest.mark.parametrize("path", sdk_cases(), ids=sdk_case_id)
def test_every_case_says_what_it_is(path: Path) -> None:
    # given
    case = json.loads(path.read_text())
    # then
    assert case.keys() >= REQUIRED_KEYS
    assert case["sdk"].split("@")[0] == path.parent.name
    assert case["description"].strip().endswith(".")


def test_there_are_at_least_fifty_cases_and_every_sdk_has_some() -> None:
    # given
    by_sdk = {sdk: [p for p in sdk_cases() if p.parent.name == sdk] for sdk in SDKS}
    # then
    assert len(sdk_cases()) >= 50
    assert {p.parent.name for p in sdk_cases()} == set(SDKS)
    assert all(by_sdk.values()), [sdk for sdk, found in by_sdk.items() if not found]


def test_every_expected_file_has_its_input_and_a_readme_row() -> None:
    # given
    inputs = {sdk_case_id(p) for p in sdk_cases()}
    expected = {
        f"{p.parent.name}/{p.name.removesuffix('.expected.json')}"
        for p in SDK_FIXTURES.glob("*/*.expected.json")
    }
    readme = (SDK_FIXTURES / "README.md").read_text()
    # then
    assert expected <= inputs
    assert [c for c in inputs if f"`{c.split('/')[1]}`" not in readme] == []


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/v1/t", "track"),
        ("/v1/p", "page"),
        ("/v1/i", "identify"),
        ("/v1/s", "screen"),
        ("/v1/g", "group"),
        ("/v1/a", "alias"),
        ("/v1/b", "batch"),
        ("/v1/track", "track"),
        ("/v1/batch", "batch"),
        ("/beacon/v1/batch?writeKey=KEY", "batch"),
    ],
)
def test_a_collection_path_names_its_call_type(path: str, kind: str) -> None:
    assert path_type(path) == kind
