"""The dashboard's install snippet works out of the box: pasted as it is into a blank page on
another origin and opened in headless Chromium, it gets an event delivered at the (fake)
Mixpanel through Signal's real processes, with no other change."""

import html
import re
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser

from delivery.models import Delivery
from integrations.models import Source
from tests.browser.sdk_site import serving
from tests.delivery.helpers import mixpanel, statuses
from tests.support.stack import wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]
BLANK = (
    '<!doctype html><html><head><title>My site</title><link rel="icon" href="data:,">\n'
    "{snippet}\n</head><body></body></html>"
)
SNIPPET = re.compile(
    r'<pre class="install-snippet" data-testid="install-snippet"><code>(.*?)</code>', re.S
)


def dashboard_snippet(staff_client: Client, integration_id: int, signal_url: str) -> str:
    """The snippet as the dashboard shows it to a user browsing Signal at `signal_url`."""
    host = urlparse(signal_url).netloc
    url = reverse("integrations:dashboard", args=[integration_id])
    response = staff_client.get(url, HTTP_HOST=host)
    assert response.status_code == 200
    (shown,) = SNIPPET.findall(response.content.decode())
    return html.unescape(shown)


def open_in_chromium(browser: Browser, snippet: str) -> list[str]:
    """Open a blank page on another origin with `snippet` pasted where the advice beside it
    says (the end of the <head>); returns the page's console errors."""
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        with serving() as site:
            page.goto(site.page("blank", BLANK.format(snippet=snippet)))
            page.wait_for_function("window.datafly !== undefined")
            page.evaluate("datafly.flush()")
            page.wait_for_load_state("networkidle")
    finally:
        context.close()
    return errors


def test_the_dashboard_snippet_pasted_into_a_blank_page_gets_an_event_to_mixpanel(
    stack, fake_mixpanel, staff_client, browser: Browser
):
    # given Mixpanel installed as shipped and the user's own source
    integration = mixpanel("retail")
    source = Source.objects.create(name="My site", kind=Source.BROWSER)
    snippet = dashboard_snippet(staff_client, integration.pk, stack.base_url)
    assert source.write_key in snippet and stack.base_url in snippet
    # when it is pasted, unchanged, into a blank page
    errors = open_in_chromium(browser, snippet)
    # then the page view is delivered at Mixpanel, with consent, not suppressed
    events = wait_until(fake_mixpanel.events, timeout=45)
    assert [(e["event"], e["properties"]["path"]) for e in events] == [("page", "/blank.html")]
    wait_until(lambda: statuses(integration) == {Delivery.DELIVERED: 1}, timeout=30)
    assert errors == []


def test_without_its_consent_line_the_snippets_events_are_suppressed_as_it_says(
    stack, fake_mixpanel, staff_client, browser: Browser
):
    integration = mixpanel("retail")
    Source.objects.create(name="My site", kind=Source.BROWSER)
    snippet = dashboard_snippet(staff_client, integration.pk, stack.base_url)
    line = "  datafly.consent({analytics: true});\n"
    assert line in snippet
    assert open_in_chromium(browser, snippet.replace(line, "")) == []
    wait_until(lambda: statuses(integration) == {Delivery.SUPPRESSED: 1}, timeout=45)
    assert fake_mixpanel.received() == []
