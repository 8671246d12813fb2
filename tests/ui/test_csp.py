"""The Content-Security-Policy header, and pages written so that it can be strict."""

import re
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self' ws://testserver",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    directives = (part.strip().split(" ", 1) for part in header.split(";"))
    return {name: value for name, value in directives}


@pytest.mark.parametrize("path", ["/login/", "/integrations/", "/integrations/sources/", "/demo/"])
def test_every_page_has_the_strict_policy(staff_client: Client, path: str):
    response = staff_client.get(path)

    assert response.status_code == 200
    assert policy(response) == STRICT


def test_the_login_page_has_it_before_anyone_logs_in(client: Client):
    assert policy(client.get("/login/")) == STRICT


def test_over_https_the_socket_allowed_is_wss_on_the_same_host(client: Client, settings):
    settings.ALLOWED_HOSTS = ["signal.example.com"]
    response = client.get("/login/", secure=True, HTTP_HOST="signal.example.com")

    assert policy(response)["connect-src"] == "'self' wss://signal.example.com"


def test_a_disallowed_host_gets_the_policy_without_a_socket_origin(client: Client):
    response = client.get("/login/", HTTP_HOST="evil.example.com")

    assert response.status_code == 400
    assert policy(response)["connect-src"] == "'self'"


def test_djangos_admin_is_left_without_the_policy_for_its_inline_scripts(staff_client: Client):
    response = staff_client.get("/django-admin/")

    assert response.status_code == 200
    assert "Content-Security-Policy" not in response


def test_the_sdk_settings_documents_keep_their_cors_headers(client: Client):
    from integrations.models import Source

    source = Source.objects.create(name="Website")
    response = client.get(f"/v1/projects/{source.write_key}/settings")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"


# The snippet users copy into their own pages is shown escaped, never run as it is: the demo
# page loads its script part from /demo/snippet.js (tests/demo).
COPIED = "_snippet_code.html"
TEMPLATES = sorted(p for p in (ROOT / "templates").rglob("*.html") if p.name != COPIED)
SCRIPTS = sorted((ROOT / "static").rglob("*.js"))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_an_inline_script_style_or_handler(template: Path):
    text = template.read_text()

    assert not re.search(r"<script(?![^>]*\bsrc=)", text), "inline <script>"
    assert not re.search(r"<style\b", text), "<style> element"
    assert not re.search(r"\sstyle=", text), "style attribute"
    assert not re.search(r"\son[a-z]+=", text), "event handler attribute"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_script_writes_inline_styles_or_evaluates_strings(script: Path):
    text = script.read_text()

    assert not re.search(r"""setAttribute\(\s*['"]style""", text)
    assert not re.search(r"\sstyle=", text), "markup with a style attribute"
    assert not re.search(r"\beval\(|new Function\(", text)


def test_pages_link_a_favicon_that_is_served_and_favicon_ico_leads_to_it(client: Client):
    login = client.get("/login/").content.decode()
    legacy = client.get("/favicon.ico")

    assert '<link rel="icon" href="/static/favicon.svg"' in login
    assert legacy.status_code == 302 and legacy["Location"] == "/static/favicon.svg"
    assert (ROOT / "static" / "favicon.svg").read_text().startswith("<svg")
