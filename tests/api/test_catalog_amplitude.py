"""The Management API's catalog lists Amplitude, with its fields and variants."""


def test_the_catalog_lists_amplitude_with_its_variants(api):
    response = api.get("/v1/admin/integration-catalog")

    assert response.status_code == 200
    entry = {e["key"]: e for e in response.json()}["amplitude"]
    assert (entry["name"], entry["category"], entry["status"]) == (
        "Amplitude",
        "Analytics",
        "alpha",
    )
    assert entry["blueprint_version"] == "0.1.0"
    assert [v["key"] for v in entry["variants"]] == ["default", "retail", "b2b_saas"]


def test_the_amplitude_entry_describes_its_fields(api):
    response = api.get("/v1/admin/integration-catalog/amplitude")

    assert response.status_code == 200
    fields = {f["key"]: f for f in response.json()["fields"]}
    assert set(fields) == {"api_key", "secret_key", "eu_data_residency", "min_id_length"}
    assert fields["api_key"]["required"] and fields["api_key"]["type"] == "string"
    assert fields["secret_key"]["type"] == "secret" and not fields["secret_key"]["required"]
    assert fields["eu_data_residency"]["default"] is False
    assert fields["min_id_length"]["advanced"] and fields["secret_key"]["advanced"]
