import copy

from integrations.models import Integration


def path(integration):
    return f"/v1/admin/integrations/{integration.pk}/blueprint"


def put(api, integration, body=None, **extra):
    """A PUT made from a fresh read, as a careful client does."""
    tag = api.get(path(integration))["ETag"]
    return api.put(path(integration), body, HTTP_IF_MATCH=tag, **extra)


def test_get_blueprint_returns_the_integrations_own_copy(api, integration):
    response = api.get(path(integration))

    assert response.status_code == 200
    assert response.json() == integration.blueprint
    assert response.json()["version"] == "0.1.0"


def test_a_valid_put_stores_the_copy_and_takes_the_version_from_it(api, integration):
    data = integration.destination.load_blueprint("default")  # valid; differs from retail's
    Integration.objects.filter(pk=integration.pk).update(blueprint_version="0.0.0")

    response = put(api, integration, data)

    assert response.status_code == 200, response.content
    assert response.json() == data
    stored = Integration.objects.get()
    assert stored.blueprint == data
    assert stored.blueprint_version == data["version"]
    detail = api.get(f"/v1/admin/integrations/{integration.pk}").json()
    assert detail["blueprint_version"] == data["version"]


def test_an_invalid_put_answers_400_listing_every_problem_and_stores_nothing(api, integration):
    before = copy.deepcopy(integration.blueprint)

    response = put(api, integration, [{"not": "a blueprint"}])

    assert response.status_code == 400
    body = response.json()
    assert body["error"]
    assert isinstance(body["errors"], list) and body["errors"]
    assert isinstance(body["fields"], dict) and len(body["fields"]) >= 1
    expected = integration.destination.validate_blueprint([{"not": "a blueprint"}])
    assert body["errors"] == expected
    assert Integration.objects.get().blueprint == before


def test_a_put_that_is_not_json_answers_400_naming_the_body(api, integration):
    response = put(api, integration, raw="{")

    assert response.status_code == 400
    assert "body" in response.json()["fields"]


def test_the_blueprint_of_an_unknown_integration_answers_404(api, db):
    assert api.get("/v1/admin/integrations/4242/blueprint").status_code == 404
    put = api.put("/v1/admin/integrations/4242/blueprint", {"version": "1"}, HTTP_IF_MATCH="*")
    assert put.status_code == 404


def test_a_put_answers_exactly_the_problems_the_destination_finds(api, integration):
    data = copy.deepcopy(integration.blueprint) | {"unknown_a": 1, "unknown_b": [2]}
    expected = integration.destination.validate_blueprint(data)

    response = put(api, integration, data)

    if expected:
        assert response.status_code == 400
        assert response.json()["errors"] == expected
        paths = {problem.partition(": ")[0] for problem in expected}
        assert paths == set(response.json()["fields"])
    else:
        assert response.status_code == 200
