"""The demo storefront page and the datafly.js install snippet (Django test client)."""

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from integrations.models import Source
from signal_admin.web.views.demo import DEMO_SOURCE_NAME, PRODUCTS, snippet

pytestmark = pytest.mark.django_db
HOST = "http://testserver"
ROOT = Path(__file__).resolve().parents[2]


def get(client: Client, **params: str) -> str:
    response = client.get(reverse("demo"), params)
    assert response.status_code == 200
    return response.content.decode()


def snippet_js(client: Client, page: str) -> str:
    """The script the page loads from /demo/snippet.js, fetched as the browser would."""
    (src,) = re.findall(r'<script src="(/demo/snippet\.js[^"]*)"></script>', page)
    response = client.get(html.unescape(src))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    return response.content.decode()


def runs(client: Client, page: str) -> str:
    """The snippet the page runs, put back together from its loader line and its script."""
    (loader,) = re.findall(r'<script src="[^"]*/static/datafly\.js"></script>', page)
    return f"{loader}\n<script>\n{snippet_js(client, page)}</script>"


def test_the_demo_shop_is_public_and_installs_itself_with_the_snippet(client: Client):
    page = get(client)
    source = Source.objects.get(name=DEMO_SOURCE_NAME)

    assert reverse("demo") == "/demo/"
    assert "Signal Demo Shop" in page
    # the page runs the snippet itself, less the consent line its banner replaces ...
    assert runs(client, page) == snippet(source.write_key, HOST, consent=False)
    # ... and shows the whole text for copying
    assert html.escape(snippet(source.write_key, HOST)) in page
    assert f'<script src="{HOST}/static/datafly.js"></script>' in page
    for product in PRODUCTS:
        assert product["name"] in page and product["product_id"] in page


def test_the_demo_shop_page_has_no_inline_script_or_style(client: Client):
    page = get(client)

    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page)
    assert inline == [' id="demo-products" type="application/json"']  # data, never run
    assert "style=" not in page
    assert not re.search(r"\son[a-z]+=", page)
    # the cards' colours travel as data for demo-shop.js
    assert f'data-hue="{PRODUCTS[0]["hue"]}"' in page


def test_the_demo_shop_uses_its_own_source_never_a_users_first_one(client: Client):
    # given a user's real browser source made first
    website = Source.objects.create(name="Website")

    # when the shop is opened
    page = get(client)

    # then it made (and uses) a browser source of its own
    shop = Source.objects.get(name=DEMO_SOURCE_NAME)
    assert shop.kind == Source.BROWSER
    assert runs(client, page) == snippet(shop.write_key, HOST, consent=False)
    assert website.write_key not in page


def test_a_fresh_install_gets_a_demo_shop_source_once(client: Client):
    assert not Source.objects.exists()
    page = get(client)
    source = Source.objects.get()

    assert source.name == "Demo shop"
    assert runs(client, page) == snippet(source.write_key, HOST, consent=False)
    get(client)
    assert Source.objects.count() == 1


def test_a_write_key_in_the_query_string_wins(client: Client):
    other = Source.objects.create(name="Mobile web")
    page = get(client, writeKey=other.write_key)

    assert runs(client, page) == snippet(other.write_key, HOST, consent=False)
    assert "Mobile web" in page
    assert "No source has the write key" not in page
    assert not Source.objects.filter(name=DEMO_SOURCE_NAME).exists()


def test_an_unknown_write_key_is_used_but_flagged(client: Client):
    page = get(client, writeKey="nope-123")

    assert runs(client, page) == snippet("nope-123", HOST, consent=False)
    assert "No source has the write key" in page
    assert not Source.objects.exists()


def test_the_snippet_partial_needs_only_a_write_key_and_a_host():
    shown = render_to_string("demo/_snippet.html", {"write_key": "wk_1-2", "host": HOST})

    assert shown.startswith('<pre class="install-snippet"')
    assert "<code>" + html.escape(snippet("wk_1-2", HOST)) + "</code>" in shown
    assert snippet("wk_1-2", HOST) == (
        f'<script src="{HOST}/static/datafly.js"></script>\n'
        "<script>\n"
        f'  datafly.init({{writeKey: "wk_1-2", host: "{HOST}"}});\n'
        "  // Events without analytics consent are suppressed, never sent on (the blueprint's"
        " default).\n"
        "  // Call this once the visitor agrees (or remove the line if your consent tool sends"
        " it).\n"
        "  datafly.consent({analytics: true});\n"
        "  datafly.page();\n"
        "</script>"
    )


def test_beside_the_snippet_it_says_where_it_goes_and_what_happens_without_consent():
    shown = render_to_string("demo/_snippet.html", {"write_key": "wk_1-2", "host": HOST})
    advice = shown.split('data-testid="install-snippet-advice">', 1)[1]

    assert "Paste the snippet at the end of the <code>&lt;head&gt;</code> of every page." in advice
    assert "recorded as suppressed and never sent on" in " ".join(advice.split())


def test_the_readme_shows_the_dashboards_snippet_and_the_same_placement_rule():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### On your own site", 1)[1]

    assert f"```html\n{snippet('WRITE_KEY', 'http://127.0.0.1:8084')}\n```" in section
    assert "Paste the snippet at the end of the `<head>` of every page" in section


def test_no_page_or_doc_gives_other_placement_advice():
    texts = [p.read_text() for p in (ROOT / "templates").rglob("*.html")]
    texts.append((ROOT / "README.md").read_text())
    for text in texts:
        assert "before </body>" not in text and "before <code>&lt;/body&gt;" not in text
        assert "into the <code>&lt;head&gt;" not in text


def test_a_hostile_write_key_cannot_break_out_of_the_script(client: Client):
    hostile = '"});alert(1);</script><script>alert(2)//\\'
    page = get(client, writeKey=hostile)
    script = snippet_js(client, page)

    for text in (page, script):
        assert "alert(1);</script>" not in text
        assert '"});alert' not in text
        assert "<script>alert(2)" not in text
    # the only quotes left in the script are those around the write key and the host
    assert script.count('"') == 4


def test_with_the_demo_off_it_is_a_404_and_no_page_links_to_it(
    client: Client, staff_client: Client, settings
):
    # given SIGNAL_DEMO off (the distributed mode's default)
    settings.SIGNAL_DEMO = False

    # then the shop and its script are not served, and no source is made for them
    assert client.get("/demo/").status_code == 404
    assert client.get("/demo/snippet.js").status_code == 404
    assert not Source.objects.exists()
    # and the admin does not link to it
    page = staff_client.get(reverse("integrations:installed")).content.decode()
    assert "/demo/" not in page and "Demo shop" not in page


def test_with_the_demo_on_the_admin_links_to_it(staff_client: Client, settings):
    settings.SIGNAL_DEMO = True
    page = staff_client.get(reverse("integrations:installed")).content.decode()
    assert 'href="/demo/"' in page


@pytest.mark.parametrize(
    ("mode", "explicit", "expected"),
    [
        ({}, None, "True"),
        ({"REDIS_URL": "redis://127.0.0.1:1/0"}, None, "False"),
        ({"REDIS_URL": "redis://127.0.0.1:1/0"}, "true", "True"),
        ({}, "false", "False"),
    ],
)
def test_the_demo_is_on_standalone_and_off_distributed_unless_asked_for(
    mode: dict, explicit: str | None, expected: str, tmp_path: Path
):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "SIGNAL_VAR_DIR": str(tmp_path)}
    env |= {"DJANGO_SETTINGS_MODULE": "signal_admin.settings", **mode}
    if explicit is not None:
        env["SIGNAL_DEMO"] = explicit
    code = "from django.conf import settings; print(settings.SIGNAL_DEMO)"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == expected, result.stderr
