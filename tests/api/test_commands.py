from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from integrations.models import ApiToken, Source
from tests.api.conftest import Api


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


def test_a_token_from_create_api_token_authenticates_until_revoke_api_token(client, db):
    token = run("create_api_token", "ci")
    api = Api(client, token)

    assert api.get("/v1/admin/integrations").status_code == 200
    assert token not in ApiToken.objects.get(name="ci").token_hash

    run("revoke_api_token", "ci")

    assert api.get("/v1/admin/integrations").status_code == 401


def test_create_api_token_refuses_a_name_in_use(db):
    run("create_api_token", "ci")

    with pytest.raises(CommandError):
        run("create_api_token", "ci")


def test_create_source_prints_the_write_key_the_api_lists(api):
    write_key = run("create_source", "website")

    assert write_key == Source.objects.get(name="website").write_key
    assert api.get("/v1/admin/sources").json()[0]["write_key"] == write_key
