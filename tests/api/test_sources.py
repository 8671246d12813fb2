from integrations.models import Source


def test_creating_a_source_answers_201_with_its_write_key(api):
    response = api.post("/v1/admin/sources", {"name": "website"})

    assert response.status_code == 201
    body = response.json()
    source = Source.objects.get()
    assert body["id"] == source.pk
    assert body["name"] == "website"
    assert body["write_key"] == source.write_key
    assert body["created_at"]


def test_the_source_list_includes_write_keys(api):
    Source.objects.create(name="web")
    Source.objects.create(name="app")

    response = api.get("/v1/admin/sources")

    assert response.status_code == 200
    assert [(s["name"], s["write_key"]) for s in response.json()] == [
        (s.name, s.write_key) for s in Source.objects.order_by("name")
    ]


def test_a_source_without_a_name_answers_400_naming_name(api):
    assert api.post("/v1/admin/sources", {}).json()["fields"] == {"name": "This field is required."}
    assert api.post("/v1/admin/sources", {"name": " "}).status_code == 400
    assert not Source.objects.exists()


def test_a_duplicate_source_name_answers_409_naming_name(api):
    Source.objects.create(name="website")

    response = api.post("/v1/admin/sources", {"name": "website"})

    assert response.status_code == 409
    assert "name" in response.json()["fields"]
    assert Source.objects.count() == 1


def test_a_source_is_a_browser_source_unless_a_kind_is_given(api):
    # when
    plain = api.post("/v1/admin/sources", {"name": "website"}).json()
    server = api.post("/v1/admin/sources", {"name": "backend", "kind": "server"}).json()

    # then
    assert plain["kind"] == "browser" and server["kind"] == "server"
    assert Source.objects.get(name="backend").kind == Source.SERVER
    assert {s["name"]: s["kind"] for s in api.get("/v1/admin/sources").json()} == {
        "website": "browser",
        "backend": "server",
    }


def test_an_unknown_kind_answers_400_naming_kind(api):
    response = api.post("/v1/admin/sources", {"name": "tv", "kind": "television"})

    assert response.status_code == 400
    assert "kind" in response.json()["fields"]
    assert not Source.objects.exists()


def test_the_openapi_schema_lists_the_source_kinds(client, db):
    schema = client.get("/v1/admin/openapi.json").json()

    for name in ("SourceIn", "SourceOut"):
        kind = schema["components"]["schemas"][name]["properties"]["kind"]
        assert kind["enum"] == ["browser", "mobile", "server"], name
