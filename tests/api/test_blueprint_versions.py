"""The blueprint API's versions: ETag and If-Match, revisions, rollback and reset."""

import copy

import pytest

from integrations.models import BlueprintRevision, Integration


def path(integration, rest=""):
    return f"/v1/admin/integrations/{integration.pk}/blueprint{rest}"


def renamed(blueprint, old="Product Added", new="Added To Basket"):
    data = copy.deepcopy(blueprint)
    rules = [r for r in data["events"] if r["match"].get("name") == old]
    assert rules, f"no rule for {old}"
    rules[0]["rename"] = new
    return data


def rename_of(blueprint, name="Product Added"):
    return next(r for r in blueprint["events"] if r["match"].get("name") == name).get("rename")


def test_the_blueprint_comes_with_an_etag_that_names_its_revision(api, integration):
    response = api.get(path(integration))

    assert response["ETag"] == f'"{integration.pk}.1"'


def test_a_put_without_if_match_is_428_with_the_current_etag_and_stores_nothing(api, integration):
    response = api.put(path(integration), renamed(integration.blueprint))

    assert response.status_code == 428
    assert response["ETag"] == f'"{integration.pk}.1"'
    assert response.json()["etag"] == f'"{integration.pk}.1"'
    assert "If-Match" in response.json()["fields"]
    assert Integration.objects.get().blueprint == integration.blueprint


def test_the_second_of_two_writers_from_the_same_read_gets_412_and_the_first_change_stays(
    api, integration
):
    tag = api.get(path(integration))["ETag"]
    first = api.put(path(integration), renamed(integration.blueprint), HTTP_IF_MATCH=tag)
    second_data = renamed(integration.blueprint, "Order Completed", "Purchase Made")

    second = api.put(path(integration), second_data, HTTP_IF_MATCH=tag)

    assert first.status_code == 200
    assert first["ETag"] == f'"{integration.pk}.2"'
    assert second.status_code == 412
    assert second["ETag"] == f'"{integration.pk}.2"'
    stored = Integration.objects.get().blueprint
    assert rename_of(stored) == "Added To Basket"
    assert rename_of(stored, "Order Completed") != "Purchase Made"


@pytest.mark.parametrize("tag", ['"999.1"', '"x"', "garbage", '"1.99999999999999999999"'])
def test_an_if_match_naming_no_current_revision_is_412(api, integration, tag):
    response = api.put(path(integration), renamed(integration.blueprint), HTTP_IF_MATCH=tag)

    assert response.status_code == 412


def test_every_save_is_a_revision_with_its_author_comment_and_diff(api, integration):
    tag = api.get(path(integration))["ETag"]
    api.put(
        path(integration) + "?comment=Basket+wording",
        renamed(integration.blueprint),
        HTTP_IF_MATCH=tag,
    )

    listed = api.get(path(integration, "/revisions")).json()
    detail = api.get(path(integration, "/revisions/2")).json()

    assert [(r["number"], r["kind"], r["current"]) for r in listed] == [
        (2, "edit", True),
        (1, "install", False),
    ]
    assert listed[0]["comment"] == "Basket wording"
    assert listed[0]["author"].startswith("API token ")
    assert '+      "rename": "Added To Basket"' in detail["diff"]
    assert detail["blueprint"] == Integration.objects.get().blueprint
    assert api.get(path(integration, "/revisions/1")).json()["diff"] == ""


def test_saving_an_unchanged_blueprint_adds_no_revision(api, integration):
    tag = api.get(path(integration))["ETag"]

    response = api.put(path(integration), integration.blueprint, HTTP_IF_MATCH=tag)

    assert response.status_code == 200
    assert response["ETag"] == tag
    assert BlueprintRevision.objects.count() == 1


def test_rollback_makes_an_old_revision_current_as_a_new_revision(api, integration):
    tag = api.get(path(integration))["ETag"]
    tag = api.put(path(integration), renamed(integration.blueprint), HTTP_IF_MATCH=tag)["ETag"]

    response = api.post(path(integration, "/revisions/1/rollback"), HTTP_IF_MATCH=tag)

    assert response.status_code == 200
    assert response["ETag"] == f'"{integration.pk}.3"'
    assert response.json() == integration.blueprint
    newest = BlueprintRevision.objects.first()
    assert (newest.number, newest.kind, newest.comment) == (
        3,
        "rollback",
        "Rolled back to revision 1",
    )


def test_a_stale_rollback_is_412_and_an_unknown_revision_404(api, integration):
    tag = api.get(path(integration))["ETag"]
    api.put(path(integration), renamed(integration.blueprint), HTTP_IF_MATCH=tag)

    assert (
        api.post(path(integration, "/revisions/1/rollback"), HTTP_IF_MATCH=tag).status_code == 412
    )
    missing = api.post(path(integration, "/revisions/9/rollback"), HTTP_IF_MATCH="*")
    assert missing.status_code == 404
    assert "number" in missing.json()["fields"]


def test_reset_brings_back_the_shipped_blueprint_and_the_detail_says_whether_it_is_customised(
    api, integration
):
    detail = f"/v1/admin/integrations/{integration.pk}"
    tag = api.get(path(integration))["ETag"]
    tag = api.put(path(integration), renamed(integration.blueprint), HTTP_IF_MATCH=tag)["ETag"]
    customised = api.get(detail).json()

    response = api.post(path(integration, "/reset"), HTTP_IF_MATCH=tag)

    assert customised["blueprint_customised"] is True
    assert customised["blueprint_revision"] == 2
    assert response.status_code == 200
    assert response.json() == integration.destination.load_blueprint("retail")
    assert api.get(detail).json()["blueprint_customised"] is False
    assert BlueprintRevision.objects.first().kind == "reset"


def test_an_invalid_put_with_a_good_if_match_is_400_and_adds_no_revision(api, integration):
    tag = api.get(path(integration))["ETag"]
    data = renamed(integration.blueprint, new="")

    response = api.put(path(integration), data, HTTP_IF_MATCH=tag)

    assert response.status_code == 400
    assert any(key.startswith("events[") for key in response.json()["fields"])
    assert BlueprintRevision.objects.count() == 1
