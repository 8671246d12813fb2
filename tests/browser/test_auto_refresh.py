"""The dashboard and the delivery log keep up by themselves, in real headless Chromium."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import log_in
from tests.delivery.helpers import collector, mixpanel, send_batch, track

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]

UPDATED_MS = 25_000  # one 10 s refresh, plus delivery, on a busy machine


def test_the_dashboard_turns_from_quiet_to_ok_without_a_reload(stack, staff_user, page: Page):
    integration = mixpanel("retail")
    _, client = collector(stack.base_url)
    log_in(page, stack.base_url)
    page.goto(f"{stack.base_url}/integrations/{integration.pk}/dashboard/")
    expect(page.get_by_test_id("health-state")).to_have_text("Quiet")
    expect(page.get_by_test_id("refresh-toggle")).to_be_checked()

    send_batch(client, [track("Product Viewed")])

    expect(page.get_by_test_id("health-state")).to_have_text("OK", timeout=UPDATED_MS)
    expect(page.locator("[data-refresh-status]")).to_contain_text("Updated")


def test_the_log_shows_new_deliveries_by_itself_and_stops_when_switched_off(
    stack, staff_user, page: Page
):
    integration = mixpanel("retail")
    _, client = collector(stack.base_url)
    log_in(page, stack.base_url)
    page.goto(f"{stack.base_url}/integrations/{integration.pk}/deliveries/")
    expect(page.get_by_text("No deliveries yet")).to_be_visible()

    send_batch(client, [track("Product Viewed")])
    expect(page.get_by_test_id("delivery-log")).to_contain_text(
        "Product Viewed", timeout=UPDATED_MS
    )

    page.get_by_test_id("refresh-toggle").uncheck()
    expect(page.locator("[data-refresh-status]")).to_have_text("Paused")
    send_batch(client, [track("Order Completed")])
    page.wait_for_timeout(12_000)
    expect(page.get_by_test_id("delivery-log")).not_to_contain_text("Order Completed")
    page.reload()  # the choice is remembered across pages
    expect(page.get_by_test_id("refresh-toggle")).not_to_be_checked()
    expect(page.get_by_test_id("delivery-log")).to_contain_text("Order Completed")
