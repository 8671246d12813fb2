"""The fake Mixpanel merges identities only as Mixpanel does, so a wrong merge fails a test."""

import json
import time

import httpx
import pytest

from tests.support.fake_mixpanel import DEFAULT_PROJECT, FakeMixpanel
from tests.support.fake_mixpanel_fixtures import API_SECRET, PROJECT_ID, SA_SECRET, SA_USER, TOKEN
from tests.support.fake_mixpanel_remote import fake_mixpanel_process
from tests.support.fake_mixpanel_rules import Project

ANON = "4f7c1b8e-2d3a-4c5b-9e6f-a1b2c3d4e5f6"  # a UUID v4


def special(name: str, n: int = 0, **props) -> dict:
    base = {"token": TOKEN, "time": int(time.time() * 1000), "$insert_id": f"id-{name[1:]}-{n}"}
    return {"event": name, "properties": {**base, **props}}


def identify(anon: str, user: str = "user-1") -> dict:
    return special("$identify", distinct_id=user, **{"$identified_id": user, "$anon_id": anon})


def merge(a: str, b: str) -> dict:
    return special("$merge", distinct_id=a, **{"$distinct_ids": [a, b]})


def post(fake, path: str, items: list, auth=None, query: str = "") -> httpx.Response:
    return httpx.post(f"{fake.url}{path}{query}", content=json.dumps(items), auth=auth)


@pytest.fixture
def simplified_fake():
    with FakeMixpanel([Project(TOKEN, API_SECRET, id_merge="simplified")]) as fake:
        yield fake


def test_identify_with_a_uuid_v4_anonymous_id_merges_it(fake_mixpanel):
    response = post(fake_mixpanel, "/track?verbose=1", [identify(ANON)])

    assert response.json() == {"status": 1, "error": None}
    assert fake_mixpanel.merged("user-1", ANON)
    assert fake_mixpanel.identity_of(ANON) == sorted([ANON, "user-1"])


@pytest.mark.parametrize(
    "anon",
    ["anon-1", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "4f7c1b8ee2d3a4c5b9e6fa1b2c3d4e5f6"],
    ids=["not a uuid", "a uuid v1", "no hyphens"],
)
def test_identify_with_any_other_anonymous_id_is_accepted_but_not_merged(fake_mixpanel, anon):
    response = post(fake_mixpanel, "/track?verbose=1", [identify(anon)])

    assert response.json() == {"status": 1, "error": None}
    assert not fake_mixpanel.merged("user-1", anon)
    assert "not a UUID v4" in fake_mixpanel.identity_log()[-1]["reason"]


def test_an_anonymous_id_already_merged_is_not_merged_again(fake_mixpanel):
    post(fake_mixpanel, "/track", [identify(ANON, "user-1"), identify(ANON, "user-2")])

    assert fake_mixpanel.merged("user-1", ANON)
    assert not fake_mixpanel.merged("user-2", ANON)


@pytest.mark.parametrize(
    ("auth", "query"),
    [((API_SECRET, ""), ""), ((SA_USER, SA_SECRET), f"?project_id={PROJECT_ID}")],
    ids=["api secret", "service account"],
)
def test_merge_through_import_with_the_secret_merges_any_ids(fake_mixpanel, auth, query):
    response = post(fake_mixpanel, "/import", [merge("user-1", "sess-42")], auth, query)

    assert response.json()["num_records_imported"] == 1
    assert fake_mixpanel.merged("user-1", "sess-42")


def test_merge_on_track_is_ignored(fake_mixpanel):
    response = post(fake_mixpanel, "/track?verbose=1", [merge("user-1", "sess-42")])

    assert response.json() == {"status": 1, "error": None}
    assert not fake_mixpanel.merged("user-1", "sess-42")
    assert fake_mixpanel.not_ingested("/track")[0]["reason"] == (
        "$merge is only accepted through /import"
    )


def test_merge_through_import_with_the_token_does_not_merge(fake_mixpanel):
    response = post(fake_mixpanel, "/import", [merge("user-1", "sess-42")], (TOKEN, ""))

    assert response.status_code == 200
    assert not fake_mixpanel.merged("user-1", "sess-42")
    assert "API secret or a service account" in fake_mixpanel.not_ingested()[0]["reason"]


def test_create_alias_merges_the_alias_once(fake_mixpanel):
    alias = special("$create_alias", distinct_id="anon-1", alias="user-1")
    taken = special("$create_alias", 1, distinct_id="anon-2", alias="user-1")

    post(fake_mixpanel, "/track", [alias, taken])

    assert fake_mixpanel.merged("anon-1", "user-1")
    assert not fake_mixpanel.merged("anon-2", "user-1")


def test_original_mode_does_not_merge_on_device_and_user_ids(fake_mixpanel):
    both = special("$identify", distinct_id="user-1", **{"$device_id": "d-1", "$user_id": "user-1"})

    post(fake_mixpanel, "/track", [both])

    assert not fake_mixpanel.merged("user-1", "d-1")


def test_simplified_mode_merges_an_event_carrying_device_and_user_ids(simplified_fake):
    both = special("Signed In", distinct_id="user-1", **{"$device_id": "d-1", "$user_id": "user-1"})

    post(simplified_fake, "/track", [both])

    assert simplified_fake.merged("user-1", "d-1")
    assert simplified_fake.merged("user-1", "$device:d-1")


def test_simplified_mode_ignores_identify_and_merge(simplified_fake):
    post(simplified_fake, "/track", [identify(ANON)])
    post(simplified_fake, "/import", [merge("user-1", "sess-42")], (API_SECRET, ""))

    assert not simplified_fake.merged("user-1", ANON)
    assert not simplified_fake.merged("user-1", "sess-42")


def test_identities_are_kept_per_project():
    other = Project("other-token", "other-secret")
    with FakeMixpanel([DEFAULT_PROJECT, other]) as fake:
        post(fake, "/track", [identify(ANON)])

        assert fake.merged("user-1", ANON)
        assert not fake.merged("user-1", ANON, token="other-token")


def test_reset_forgets_identities(fake_mixpanel):
    post(fake_mixpanel, "/track", [identify(ANON)])

    fake_mixpanel.reset()

    assert fake_mixpanel.identity_of(ANON) == [ANON]


def test_identity_queries_work_from_another_process():
    with fake_mixpanel_process() as remote:
        post(remote, "/track", [identify(ANON)])

        assert remote.merged("user-1", ANON) is True
        assert remote.identity_of("user-1") == sorted([ANON, "user-1"])
        assert remote.identity_log()[0]["merged"] is True
