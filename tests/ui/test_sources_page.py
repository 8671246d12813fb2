"""The Sources page: staff see every source's kind and write key, and add sources."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from integrations.models import Source

URL = reverse("integrations:sources")


def test_the_page_lists_each_source_with_its_kind_and_write_key(staff_client):
    # given
    web = Source.objects.create(name="Website")
    backend = Source.objects.create(name="Backend", kind=Source.SERVER)

    # when
    page = staff_client.get(URL).content.decode()

    # then
    assert web.write_key in page and backend.write_key in page
    assert 'data-kind="browser"' in page and 'data-kind="server"' in page
    assert f'href="{URL}"' in page and 'aria-current="page"' in page  # the nav link


def test_a_source_created_on_the_page_has_the_kind_chosen(staff_client):
    response = staff_client.post(URL, {"name": " iOS app ", "kind": "mobile"})

    assert response.status_code == 302
    assert Source.objects.get().name == "iOS app"
    assert Source.objects.get().kind == Source.MOBILE


def test_a_duplicate_or_unknown_kind_is_shown_on_the_form(staff_client):
    Source.objects.create(name="Website")

    duplicate = staff_client.post(URL, {"name": "Website", "kind": "browser"})
    unknown = staff_client.post(URL, {"name": "TV", "kind": "television"})

    assert duplicate.status_code == unknown.status_code == 400
    assert "field-error" in duplicate.content.decode()
    assert Source.objects.count() == 1


def test_the_page_is_for_staff_only(db):
    visitor = User.objects.create_user("visitor", password="pw-visitor-123")
    client = Client()
    assert client.get(URL).status_code == 302  # to the login page
    client.force_login(visitor)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"name": "x", "kind": "browser"}).status_code == 403
    assert not Source.objects.exists()


def test_create_source_takes_a_kind_and_defaults_to_browser(db):
    out = StringIO()
    call_command("create_source", "Website", stdout=out)
    call_command("create_source", "Backend", "--kind", "server", stdout=StringIO())

    assert Source.objects.get(name="Website").write_key == out.getvalue().strip()
    assert Source.objects.get(name="Website").kind == Source.BROWSER
    assert Source.objects.get(name="Backend").kind == Source.SERVER
    with pytest.raises(CommandError):
        call_command("create_source", "TV", "--kind", "television")


def test_the_first_run_website_source_is_a_browser_source(db, settings, tmp_path):
    from signal_admin.standalone import prepare

    prepare()

    assert Source.objects.get(name="Website").kind == Source.BROWSER
