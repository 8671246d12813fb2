def test_the_catalog_lists_mixpanel_with_its_fields_and_variants(api):
    response = api.get("/v1/admin/integration-catalog")

    assert response.status_code == 200
    entries = {entry["key"]: entry for entry in response.json()}
    mixpanel = entries["mixpanel"]
    assert mixpanel["name"] == "Mixpanel"
    assert mixpanel["category"] == "Analytics"
    assert mixpanel["status"] == "alpha"
    assert mixpanel["blueprint_version"] == "0.1.0"
    assert mixpanel["description"] and mixpanel["docs_url"]
    assert {v["key"] for v in mixpanel["variants"]} == {"default", "retail", "b2b_saas"}


def test_a_catalog_entry_describes_each_config_field(api):
    response = api.get("/v1/admin/integration-catalog/mixpanel")

    assert response.status_code == 200
    fields = {f["key"]: f for f in response.json()["fields"]}
    assert fields["project_token"] | {"help": "", "link": ""} == {
        "key": "project_token",
        "label": "Project Token",
        "type": "string",
        "required": True,
        "default": None,
        "help": "",
        "link": "",
        "advanced": False,
    }
    assert fields["api_secret"]["type"] == "secret"
    assert fields["api_secret"]["required"] is True
    assert fields["eu_data_residency"]["type"] == "boolean"
    assert fields["eu_data_residency"]["default"] is False
    for field in fields.values():
        assert set(field) == {
            "key",
            "label",
            "type",
            "required",
            "default",
            "help",
            "link",
            "advanced",
        }
    # The region toggle stays in sight; India residency and service accounts fold away.
    assert not fields["eu_data_residency"]["advanced"]
    assert fields["in_data_residency"]["advanced"] and fields["project_id"]["advanced"]
    variant = response.json()["variants"][0]
    assert set(variant) == {"key", "name", "description"}


def test_an_unknown_catalog_entry_answers_404_json(api):
    response = api.get("/v1/admin/integration-catalog/heap")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]
    assert "key" in response.json()["fields"]
