"""The dashboard and delivery log in real Chromium, fed by a real worker and a fake Mixpanel."""

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from delivery.models import Delivery
from integrations.models import Integration
from tests.browser.helpers import log_in
from tests.delivery.helpers import collector, mixpanel, send_batch, settled, track
from tests.support.fake_mixpanel_fixtures import API_SECRET
from tests.support.stack import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.services]


def reload_until(page: Page, locator_text: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while locator_text not in page.get_by_test_id("delivery-status").inner_text():
        assert time.monotonic() < deadline, f"still not {locator_text!r}"
        time.sleep(0.5)
        page.reload()


def test_an_admin_sees_an_auth_error_fixes_it_and_replays_a_failed_delivery(
    stack, fake_mixpanel, page: Page, staff_user, artifacts: Path
):
    # given Mixpanel installed with a wrong API secret, and an old event (it goes to /import)
    integration = mixpanel("retail", api_secret="wrong-secret")
    _, client = collector(stack.base_url)
    send_batch(client, [track("Product Viewed", days_ago=10)])
    wait_until(lambda: Integration.objects.get(id=integration.id).auth_error)

    # when the admin opens the dashboard, health says why and how to fix it
    log_in(page, stack.base_url)
    page.goto(f"{stack.base_url}/integrations/{integration.pk}/dashboard/")
    expect(page.get_by_test_id("health-state")).to_have_text("Auth error")
    expect(page.get_by_test_id("health")).to_contain_text("Project Settings > Access Keys")
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)

    # and fixes the secret: the held event is then delivered
    page.get_by_role("link", name="Fix settings").click()
    page.get_by_label("API Secret").fill(API_SECRET)
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_test_id("health-state")).not_to_have_text("Auth error")
    wait_until(lambda: settled(integration, 1), timeout=30)
    page.reload()
    expect(page.get_by_test_id("health-state")).to_have_text("OK")

    # when Mixpanel refuses a fresh event with status 0
    fake_mixpanel.script(
        status=200, body={"status": 0, "error": "bad event"}, path="/track", times=1
    )
    send_batch(client, [track("Order Completed")])
    wait_until(lambda: settled(integration, 1, Delivery.FAILED), timeout=30)

    # then the log shows it, and its page shows Mixpanel's error and the hint
    page.goto(f"{stack.base_url}/integrations/{integration.pk}/deliveries/")
    failed_row = page.locator("tr", has=page.locator(".status-failed"))
    expect(failed_row).to_contain_text("Order Completed")
    page.screenshot(path=str(artifacts / "delivery-log.png"), full_page=True)
    failed_row.get_by_role("link", name="Order Completed").click()
    expect(page.get_by_test_id("delivery-status")).to_contain_text("failed")
    expect(page.get_by_test_id("error-response")).to_contain_text('"error": "bad event"')
    expect(page.get_by_test_id("what-happened")).to_contain_text("bad event")
    expect(page.get_by_test_id("hint")).to_contain_text("Fix the event, then replay")
    page.screenshot(path=str(artifacts / "delivery.png"), full_page=True)

    # when the admin replays it, it is delivered (Mixpanel answers normally now)
    page.get_by_role("button", name="Replay").click()
    expect(page.get_by_text("Queued 1 delivery again.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/deliveries/\d+/$"))
    reload_until(page, "delivered")
    expect(page.get_by_test_id("delivery-status")).to_contain_text("200")
    assert settled(integration, 2)
