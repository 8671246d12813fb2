from integrations.models import Integration

STORED_SECRET = "stored-secret-value"


def path(integration):
    return f"/v1/admin/integrations/{integration.pk}"


def test_the_list_shows_every_integration_without_secrets(api, integration):
    response = api.get("/v1/admin/integrations")

    assert response.status_code == 200
    [item] = response.json()
    assert item["id"] == integration.pk
    assert item["variant"] == "retail"
    assert item["secrets_set"] == ["api_secret"]
    assert STORED_SECRET not in response.content.decode()


def test_getting_an_integration_shows_plain_config_and_only_the_names_of_secrets(api, integration):
    response = api.get(path(integration))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "id",
        "name",
        "catalog_key",
        "variant",
        "blueprint_revision",
        "blueprint_customised",
        "delivery_mode",
        "enabled",
        "blueprint_version",
        "status",
        "config",
        "secrets_set",
        "auth_error",
        "created_at",
        "updated_at",
    }
    assert body["config"]["project_token"] == "tok-123"
    assert "api_secret" not in body["config"]
    assert body["secrets_set"] == ["api_secret"]
    assert STORED_SECRET not in response.content.decode()


def test_an_unknown_integration_answers_404_json_naming_the_id(api, db):
    response = api.get("/v1/admin/integrations/9999")

    assert response.status_code == 404
    assert response.json()["fields"] == {"id": "No integration with id 9999."}


def test_patch_renames_an_integration(api, integration):
    response = api.patch(path(integration), {"name": "Mixpanel EU"})

    assert response.status_code == 200
    assert response.json()["name"] == "Mixpanel EU"
    assert Integration.objects.get().name == "Mixpanel EU"


def test_patch_disables_an_integration(api, integration):
    response = api.patch(path(integration), {"enabled": False})

    assert response.status_code == 200
    assert response.json()["enabled"] is False
    assert Integration.objects.get().enabled is False


def test_patch_merges_config_and_keeps_the_stored_secret_when_none_is_sent(api, integration):
    response = api.patch(path(integration), {"config": {"eu_data_residency": True}})

    assert response.status_code == 200
    stored = Integration.objects.get()
    assert stored.config["eu_data_residency"] is True
    assert stored.config["project_token"] == "tok-123"
    assert stored.secrets["api_secret"] == STORED_SECRET


def test_patch_with_a_blank_secret_keeps_the_stored_one(api, integration):
    response = api.patch(path(integration), {"config": {"api_secret": "", "project_token": "t2"}})

    assert response.status_code == 200
    stored = Integration.objects.get()
    assert stored.secrets["api_secret"] == STORED_SECRET
    assert stored.config["project_token"] == "t2"


def test_patch_with_a_new_secret_stores_it_without_returning_it(api, integration):
    Integration.objects.filter(pk=integration.pk).update(auth_error="401 from Mixpanel")

    response = api.patch(path(integration), {"config": {"api_secret": "rotated-secret"}})

    assert response.status_code == 200
    assert "rotated-secret" not in response.content.decode()
    assert response.json()["auth_error"] == ""
    assert Integration.objects.get().secrets["api_secret"] == "rotated-secret"


def test_patch_with_a_mistyped_field_answers_400_naming_it_and_changes_nothing(api, integration):
    response = api.patch(
        path(integration), {"name": "Renamed", "config": {"eu_data_residency": "yes"}}
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["config.eu_data_residency"]
    stored = Integration.objects.get()
    assert stored.name == "Mixpanel"
    assert stored.config["eu_data_residency"] is False


def test_patch_with_bad_name_and_enabled_names_each_field(api, integration):
    response = api.patch(path(integration), {"name": 5, "enabled": "no"})

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"name", "enabled"}


def test_patch_with_a_blank_name_or_null_config_answers_400_naming_them(api, integration):
    response = api.patch(path(integration), {"name": " ", "config": None})

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"name", "config"}


def test_patch_with_a_field_that_cannot_change_answers_400_naming_it(api, integration):
    response = api.patch(path(integration), {"variant": "default"})

    assert response.status_code == 400
    assert "variant" in response.json()["fields"]
    assert Integration.objects.get().variant == "retail"


def test_delete_removes_the_integration_and_answers_204(api, integration):
    response = api.delete(path(integration))

    assert response.status_code == 204
    assert not Integration.objects.exists()
    assert api.get(path(integration)).status_code == 404
