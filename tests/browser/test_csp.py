"""Every page, in real Chromium at 1440 and 390 px, runs under the strict policy without a
single violation, console error or failed request."""

from pathlib import Path

import pytest
from playwright.sync_api import Page

from delivery.models import Delivery
from tests.browser.helpers import log_in
from tests.delivery.helpers import collector, mixpanel, send_batch, settled, track
from tests.support.stack import wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]

VIEWPORTS = {"desktop": (1440, 900), "phone": (390, 844)}

# Runs before any of the page's own scripts, so no violation is missed.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile}:${e.lineNumber}`);
});
"""


class Problems:
    """What the browser complained about while a page loaded and ran."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.seen: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.seen.append(f"script error: {error}"))
        page.on("response", self._response)
        page.on("requestfailed", self._failed)

    def _failed(self, request) -> None:
        # A request the browser cancelled itself (the favicon of a page it moved on from) is
        # not a fault of the page; a missing file still shows as its 404 response.
        if request.failure != "net::ERR_ABORTED":
            self.seen.append(f"request failed: {request.url} ({request.failure})")

    def _console(self, message) -> None:
        if message.type == "error":
            self.seen.append(f"console: {message.text}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.seen.append(f"{response.status} {response.url}")

    def on(self, path: str) -> list[str]:
        violations = self.page.evaluate("window.__violations")
        found = [f"{path}: {problem}" for problem in [*violations, *self.seen]]
        self.seen.clear()
        return found


def pages(integration_id: int, delivery_id: int) -> list[str]:
    base = f"/integrations/{integration_id}"
    return [
        "/integrations/",
        "/integrations/library/",
        "/integrations/library/mixpanel/install/?variant=retail",
        "/integrations/sources/",
        f"{base}/",
        f"{base}/edit/",
        f"{base}/dashboard/",
        f"{base}/deliveries/",
        f"{base}/deliveries/{delivery_id}/",
        f"{base}/live/",
        f"{base}/delete/",
        "/demo/",
    ]


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_every_page_runs_under_the_policy_with_no_violation_or_console_error(
    stack, page: Page, staff_user, viewport: str, artifacts: Path
):
    integration = mixpanel("retail")
    _, client = collector(stack.base_url)
    send_batch(client, [track("Product Viewed")])
    wait_until(lambda: settled(integration, 1), timeout=30)
    delivery = Delivery.objects.get(integration=integration)

    width, height = VIEWPORTS[viewport]
    page.set_viewport_size({"width": width, "height": height})
    page.add_init_script(LISTEN)
    problems = Problems(page)
    page.goto(f"{stack.base_url}/login/")
    found = problems.on("/login/")
    log_in(page, stack.base_url)

    for path in pages(integration.pk, delivery.pk):
        page.goto(f"{stack.base_url}{path}")
        page.wait_for_load_state("networkidle")
        found += problems.on(path)
    page.screenshot(path=str(artifacts / f"csp-demo-{viewport}.png"), full_page=True)

    assert found == []
