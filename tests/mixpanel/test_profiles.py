"""split_traits: identify traits as Mixpanel's reserved profile properties."""

from typing import Any

import pytest

from integrations.destinations.mixpanel.blueprint import compile_blueprint
from integrations.destinations.mixpanel.dates import to_mixpanel_date
from integrations.destinations.mixpanel.entry import MIXPANEL
from integrations.destinations.mixpanel.profiles import split_traits

SPEC = compile_blueprint(MIXPANEL.load_blueprint("default")).traits


def _split(traits: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    warnings: list[str] = []
    to_set, to_set_once = split_traits(traits, SPEC, warnings)
    return to_set, to_set_once, warnings


def test_first_and_last_names_make_the_name_when_there_is_none() -> None:
    to_set, _, _ = _split({"firstName": "Grace", "lastName": "Hopper"})
    assert to_set == {"$first_name": "Grace", "$last_name": "Hopper", "$name": "Grace Hopper"}


def test_a_name_trait_wins_over_first_and_last_names() -> None:
    to_set, _, _ = _split({"name": "Dr. Ada King", "first_name": "Ada", "last_name": "King"})
    assert to_set["$name"] == "Dr. Ada King"


def test_names_are_trimmed_before_they_are_joined() -> None:
    to_set, _, _ = _split({"first_name": " Ada ", "last_name": "King "})
    assert to_set["$name"] == "Ada King"


def test_a_first_name_alone_makes_no_name() -> None:
    to_set, _, _ = _split({"first_name": "Ada"})
    assert "$name" not in to_set


def test_no_name_is_made_from_names_that_are_not_text() -> None:
    to_set, _, _ = _split({"first_name": 7, "last_name": "King"})
    assert "$name" not in to_set


def test_username_and_avatar_take_their_reserved_names() -> None:
    to_set, _, _ = _split({"username": "ghopper", "avatar": "https://a.example/g.png"})
    assert to_set == {"$username": "ghopper", "$avatar": "https://a.example/g.png"}


def test_an_address_becomes_city_region_and_country_code_and_keeps_the_rest() -> None:
    to_set, _, _ = _split(
        {"address": {"city": "Arlington", "state": "Virginia", "country": "us", "zip": "22201"}}
    )
    assert to_set == {
        "$city": "Arlington",
        "$region": "Virginia",
        "$country_code": "US",
        "address": {"zip": "22201"},
    }


@pytest.mark.parametrize("trait", ["createdAt", "created_at", "created"])
def test_every_created_alias_becomes_created_once(trait: str) -> None:
    to_set, to_set_once, _ = _split({trait: "2024-06-30T23:15:00-07:00"})
    assert (to_set, to_set_once) == ({}, {"$created": "2024-07-01T06:15:00"})


def test_a_created_that_is_not_a_date_keeps_its_own_name_with_a_warning() -> None:
    _, to_set_once, warnings = _split({"createdAt": "last tuesday"})
    assert to_set_once == {"createdAt": "last tuesday"}
    assert warnings == [
        'traits.createdAt "last tuesday" is not a date Signal can read (ISO 8601, or epoch '
        "seconds or milliseconds): sent as createdAt, not as $created"
    ]


def test_a_created_before_year_one_in_utc_keeps_its_own_name_with_a_warning() -> None:
    _, to_set_once, warnings = _split({"createdAt": "0001-01-01T00:00:00+01:00"})
    assert to_set_once == {"createdAt": "0001-01-01T00:00:00+01:00"}
    assert len(warnings) == 1 and "not a date Signal can read" in warnings[0]


def test_the_source_traits_are_not_modified() -> None:
    traits = {"address": {"city": "Paris", "zip": "75001"}, "createdAt": 1733052600}
    split_traits(traits, SPEC)
    assert traits == {"address": {"city": "Paris", "zip": "75001"}, "createdAt": 1733052600}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-15T10:00:00Z", "2024-01-15T10:00:00"),
        ("2024-01-15T10:00:00.987+02:00", "2024-01-15T08:00:00"),
        ("2024-01-15 10:00:00", "2024-01-15T10:00:00"),  # naive means UTC
        ("2024-01-15", "2024-01-15"),  # a day stays a day: Mixpanel reads it as one
        (1705312800, "2024-01-15T10:00:00"),  # epoch seconds
        (1705312800000, "2024-01-15T10:00:00"),  # epoch milliseconds
        (1705312800.5, "2024-01-15T10:00:00"),
        ("1705312800000", "2024-01-15T10:00:00"),
        ("yesterday", None),
        ("2024-13-01", None),
        (True, None),
        (float("nan"), None),
        (float("inf"), None),
        ({"date": "2024-01-15"}, None),
        ("0001-01-01T00:00:00+01:00", None),  # before year 1 in UTC
        ("9999-12-31T23:59:59-01:00", None),  # after year 9999 in UTC
        ("0001-01-01T00:00:00-01:00", "0001-01-01T01:00:00"),
    ],
)
def test_dates_are_read_as_mixpanel_reads_them(value: Any, expected: str | None) -> None:
    assert to_mixpanel_date(value) == expected
