"""Held while disabled, in real headless Chromium: Live Events shows the event held, and the
same row turns delivered once the integration is enabled (real processes, fake Mixpanel)."""

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from integrations.models import Integration
from tests.browser.helpers import log_in
from tests.delivery.helpers import collector, mixpanel, send_batch, track

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]


def test_an_event_sent_while_disabled_shows_held_live_and_is_delivered_on_enable(
    stack, staff_user, api_token, page: Page, fake_mixpanel
):
    # given a disabled integration and its Live Events page open
    integration = mixpanel("retail")
    Integration.objects.filter(pk=integration.pk).update(enabled=False)
    _, client = collector(stack.base_url)
    log_in(page, stack.base_url)
    page.goto(f"{stack.base_url}/integrations/{integration.id}/live/")
    expect(page.get_by_test_id("connection-state")).to_have_text("Live")
    expect(page.locator(".chip[data-status='held']")).to_be_visible()
    # when an event arrives
    send_batch(client, [track("Product Viewed")])
    # then it shows held, in the neutral held colour, and nothing reaches Mixpanel
    badge = page.locator("tr.live-row .live-badge")
    expect(badge).to_have_text("held")
    expect(badge).to_have_class(re.compile(r"\blive-badge-held\b"))
    assert fake_mixpanel.received() == []
    # when the integration is enabled (Management API), the same row turns delivered
    admin = httpx.Client(
        base_url=stack.base_url, headers={"Authorization": f"Bearer {api_token}"}, timeout=10
    )
    response = admin.patch(f"/v1/admin/integrations/{integration.pk}", json={"enabled": True})
    assert response.status_code == 200, response.text
    expect(badge).to_have_text(re.compile(r"delivered\s*200"), timeout=30_000)
    expect(page.locator("tr.live-row")).to_have_count(1)
    assert [e["event"] for e in fake_mixpanel.events()] == ["Product Viewed"]
