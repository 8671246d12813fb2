"""The demo storefront page and the datafly.js install snippet (Django test client)."""

import html

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from delivery.views_demo import PRODUCTS, snippet
from integrations.models import Source

pytestmark = pytest.mark.django_db
HOST = "http://testserver"


def get(client: Client, **params: str) -> str:
    response = client.get(reverse("demo"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_demo_shop_is_public_and_installs_itself_with_the_snippet(client: Client):
    source = Source.objects.create(name="Website")
    page = get(client)

    assert reverse("demo") == "/demo/"
    assert "Signal Demo Shop" in page
    # the page runs the snippet itself ...
    assert snippet(source.write_key, HOST) in page
    # ... and shows the same text for copying
    assert html.escape(snippet(source.write_key, HOST)) in page
    assert f'writeKey: "{source.write_key}"' in page
    assert f'<script src="{HOST}/static/datafly.js"></script>' in page
    for product in PRODUCTS:
        assert product["name"] in page and product["product_id"] in page


def test_the_demo_shop_sends_to_a_browser_source_never_a_server_one(client: Client):
    # given a server source made first
    Source.objects.create(name="Backend", kind=Source.SERVER)

    # when the shop is opened
    page = get(client)

    # then it made (and uses) a browser source of its own
    shop = Source.objects.get(kind=Source.BROWSER)
    assert snippet(shop.write_key, HOST) in page


def test_a_write_key_in_the_query_string_wins(client: Client):
    Source.objects.create(name="Website")
    other = Source.objects.create(name="Mobile web")
    page = get(client, writeKey=other.write_key)

    assert snippet(other.write_key, HOST) in page
    assert "Mobile web" in page
    assert "No source has the write key" not in page


def test_an_unknown_write_key_is_used_but_flagged(client: Client):
    page = get(client, writeKey="nope-123")

    assert snippet("nope-123", HOST) in page
    assert "No source has the write key" in page
    assert not Source.objects.exists()


def test_a_fresh_install_gets_a_demo_shop_source(client: Client):
    assert not Source.objects.exists()
    page = get(client)
    source = Source.objects.get()

    assert source.name == "Demo shop"
    assert snippet(source.write_key, HOST) in page
    get(client)
    assert Source.objects.count() == 1


def test_the_first_source_is_used_when_several_exist(client: Client):
    first = Source.objects.create(name="Zebra site")
    Source.objects.create(name="Alpha site")
    assert snippet(first.write_key, HOST) in get(client)


def test_the_snippet_partial_needs_only_a_write_key_and_a_host():
    shown = render_to_string("demo/_snippet.html", {"write_key": "wk_1-2", "host": HOST})

    assert shown.startswith('<pre class="install-snippet"')
    assert "<code>" + html.escape(snippet("wk_1-2", HOST)) + "</code>" in shown
    assert snippet("wk_1-2", HOST) == (
        f'<script src="{HOST}/static/datafly.js"></script>\n'
        "<script>\n"
        f'  datafly.init({{writeKey: "wk_1-2", host: "{HOST}"}});\n'
        "  datafly.page();\n"
        "</script>"
    )


def test_a_hostile_write_key_cannot_break_out_of_the_script(client: Client):
    hostile = '"});alert(1);</script><script>alert(2)//\\'
    page = get(client, writeKey=hostile)

    assert "alert(1);</script>" not in page
    assert '"});alert' not in page
    assert "<script>alert(2)" not in page
