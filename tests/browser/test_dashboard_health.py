"""Health in real Chromium: a site that sends no consent is told why nothing reaches Mixpanel."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from delivery.models import Delivery
from tests.browser.helpers import log_in
from tests.delivery.helpers import collector, mixpanel, send_batch, settled, track
from tests.support.stack import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.services]

NO_CONSENT = {"ip": "203.0.113.7"}


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (390, 844)])
def test_events_without_consent_show_mostly_suppressed_and_lead_to_the_consent_policy(
    stack, fake_mixpanel, page: Page, staff_user, artifacts: Path, width, height
):
    # given a site whose events carry no consent, so the blueprint suppresses them all
    integration = mixpanel("retail")
    _, client = collector(stack.base_url)
    send_batch(client, [track(context=NO_CONSENT) for _ in range(3)])
    wait_until(lambda: settled(integration, 3, Delivery.SUPPRESSED), timeout=30)

    # when the admin opens the dashboard
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, stack.base_url)
    page.goto(f"{stack.base_url}/integrations/{integration.pk}/dashboard/")

    # then health says so, why, and how to fix it, and fits the screen
    health = page.get_by_test_id("health")
    expect(page.get_by_test_id("health-state")).to_have_text("Mostly suppressed")
    expect(health).to_contain_text("All 3 events received in the last hour were suppressed")
    expect(health).to_contain_text("carries no consent information")
    expect(health).to_contain_text("datafly.consent")
    fits = health.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert fits, "the health panel scrolls sideways"
    page.screenshot(path=str(artifacts / f"dashboard-suppressed-{width}.png"), full_page=True)
    assert fake_mixpanel.events() == []

    # and its link opens the blueprint editor at the consent policy
    page.get_by_test_id("health-fix-link").click()
    expect(page).to_have_url(
        f"{stack.base_url}/integrations/{integration.pk}/blueprint/#section-consent"
    )
    expect(page.get_by_test_id("section-consent")).to_be_visible()
