"""Live Events in real headless Chromium, against Signal's real processes on Redis."""

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from delivery.broadcast import broadcast
from tests.browser.helpers import log_in
from tests.delivery.helpers import collector, mixpanel, track
from tests.support.fake_mixpanel_fixtures import API_SECRET

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]

DENIED = {"consent": {"categoryPreferences": {"analytics": False}}, "ip": "203.0.113.7"}
ORDER = {"order_id": "o-1", "total": 25.0, "currency": "EUR", "products": [{"product_id": "p"}]}
ARRIVAL_MS = 2_000
STARTUP_MS = 30_000


def open_live(page: Page, base_url: str, integration_id: int) -> None:
    page.goto(f"{base_url}/integrations/{integration_id}/live/")
    expect(page.get_by_test_id("connection-state")).to_have_text("Live")


def row(page: Page, event: str) -> Locator:
    name = page.locator(".live-event-name", has_text=re.compile(f"^{re.escape(event)}$"))
    return page.locator("tr.live-row").filter(has=name)


def details(page: Page, event: str) -> Locator:
    return row(page, event).locator(
        "xpath=following-sibling::tr[1][contains(@class, 'live-detail')]"
    )


def badge(page: Page, event: str) -> Locator:
    return row(page, event).locator(".live-badge")


@pytest.fixture
def watched(stack, staff_user, page: Page):
    """Mixpanel installed, a source, and its Live Events page open in the browser."""
    integration = mixpanel("retail")
    _, client = collector(stack.base_url)
    log_in(page, stack.base_url)
    open_live(page, stack.base_url, integration.id)
    return integration, client


def test_events_arrive_live_with_mixpanels_answer_and_details_on_click(
    watched, page: Page, artifacts: Path
):
    integration, client = watched
    # given an empty page that says what to do
    expect(page.get_by_test_id("live-empty")).to_contain_text("open the demo shop")
    expect(page.get_by_test_id("live-empty")).to_contain_text("Send test event")
    page.screenshot(path=str(artifacts / "live-events-empty.png"))
    # and a worker that has started (one event through, without a deadline)
    assert client.post("/v1/track", json=track("Warm Up")).status_code == 200
    expect(badge(page, "Warm Up")).to_contain_text("delivered", timeout=STARTUP_MS)

    # when a visitor's events reach the collection API, each appears delivered with a 200
    for name, mixpanel_name, extra in [
        ("Product Viewed", "Product Viewed", {}),
        ("Product Added", "Add to Cart", {}),
        ("Order Completed", "Purchase", {"properties": ORDER, "userId": "user-1"}),
    ]:
        assert client.post("/v1/track", json=track(name, **extra)).status_code == 200
        expect(badge(page, name)).to_have_text(re.compile(r"delivered\s*200"), timeout=ARRIVAL_MS)
        expect(row(page, name)).to_contain_text(mixpanel_name)
        expect(row(page, name).locator(".live-endpoint")).to_have_text(re.compile(r"^/\w+$"))
        expect(row(page, name).locator(".live-latency")).to_have_text(re.compile(r"^\d+ ms$"))
    expect(page.get_by_test_id("live-empty")).to_be_hidden()

    # and an event without analytics consent is shown suppressed, in grey, with no code
    denied = track("Checkout Started", anonymousId="anon-2", context=DENIED)
    assert client.post("/v1/track", json=denied).status_code == 200
    expect(badge(page, "Checkout Started")).to_have_text("suppressed", timeout=ARRIVAL_MS)
    expect(badge(page, "Checkout Started")).to_have_class(re.compile("live-badge-off"))

    # newest first
    names = page.locator("tr.live-row .live-event-name").all_inner_texts()
    assert names == [
        "Checkout Started",
        "Order Completed",
        "Product Added",
        "Product Viewed",
        "Warm Up",
    ]

    # when a row is clicked, it shows the source event, the request and Mixpanel's answer
    row(page, "Order Completed").click()
    expect(page.get_by_test_id("source-event")).to_contain_text('"order_id": "o-1"')
    detail = details(page, "Order Completed")
    expect(detail.get_by_test_id("request-body").first).to_contain_text('"event": "Purchase"')
    expect(detail.locator(".live-request-line").first).to_contain_text("POST http://127.0.0.1:")
    expect(detail.get_by_test_id("response-body").first).to_contain_text('"status": 1')
    expect(detail.get_by_test_id("request-body")).to_have_count(2)  # /track and /engage
    page.screenshot(path=str(artifacts / "live-events.png"), full_page=True)
    # then the API secret is nowhere in the page
    assert API_SECRET not in page.content()

    # a suppressed row explains that nothing was sent
    row(page, "Checkout Started").click()
    expect(details(page, "Checkout Started")).to_contain_text("Nothing is sent")


def test_filters_and_pause(watched, page: Page):
    _, client = watched
    assert client.post("/v1/track", json=track("Product Viewed")).status_code == 200
    denied = track("Checkout Started", anonymousId="anon-2", context=DENIED)
    assert client.post("/v1/track", json=denied).status_code == 200
    expect(badge(page, "Product Viewed")).to_contain_text("delivered", timeout=STARTUP_MS)
    expect(badge(page, "Checkout Started")).to_contain_text("suppressed")

    # filter by status
    page.get_by_role("group", name="Filter by status").get_by_role(
        "button", name="Suppressed"
    ).click()
    expect(row(page, "Checkout Started")).to_be_visible()
    expect(row(page, "Product Viewed")).to_be_hidden()
    page.get_by_role("button", name="All", exact=True).click()
    # filter by event name (the source name or Mixpanel's)
    page.get_by_label("Filter by event name").fill("product")
    expect(row(page, "Product Viewed")).to_be_visible()
    expect(row(page, "Checkout Started")).to_be_hidden()
    page.get_by_label("Filter by event name").fill("nothing like it")
    expect(page.get_by_text("No events match these filters.")).to_be_visible()
    page.get_by_label("Filter by event name").fill("")

    # pause: what arrives meanwhile is counted, not shown, until resumed
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_test_id("paused-banner")).to_be_visible()
    assert client.post("/v1/track", json=track("Product Added")).status_code == 200
    expect(page.locator(".live-buffered")).to_have_text(
        "2", timeout=ARRIVAL_MS
    )  # queued, delivered
    expect(row(page, "Product Added")).to_have_count(0)
    page.get_by_test_id("paused-banner").get_by_role("button", name="Resume").click()
    expect(badge(page, "Product Added")).to_have_text(re.compile(r"delivered\s*200"))
    expect(page.get_by_test_id("paused-banner")).to_be_hidden()


def test_a_late_queued_update_never_moves_a_delivered_row_back_and_bursts_are_capped(
    watched, page: Page, stack, settings
):
    integration, _ = watched
    # the test broadcasts through the same Redis channel layer as the stack
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [stack.redis_url]},
        }
    }

    def send(messages: list[dict]) -> None:
        # Playwright runs an event loop in this thread; broadcast is for sync callers.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(broadcast, integration.id, messages).result()

    def message(delivery_id: int, status: str, name: str = "Burst") -> dict:
        return {
            "id": f"m-{delivery_id}",
            "delivery_id": delivery_id,
            "received_at": "2025-01-01T12:00:00+00:00",
            "type": "track",
            "event": name,
            "destination_event": name,
            "status": status,
            "status_code": 200 if status == "delivered" else None,
            "endpoint": "/track",
            "error": "",
            "latency_ms": 5 if status == "delivered" else None,
        }

    # when "delivered" overtakes "queued" on the way (two processes, two paths)
    send([message(900_000, "delivered", "Overtaken")])
    expect(badge(page, "Overtaken")).to_have_text(re.compile(r"delivered\s*200"))
    send([message(900_000, "queued", "Overtaken")])
    send([message(900_001, "queued", "Marker")])
    expect(row(page, "Marker")).to_have_count(1)
    # then the row stays delivered, updated in place
    expect(badge(page, "Overtaken")).to_have_text(re.compile(r"delivered\s*200"))
    expect(row(page, "Overtaken")).to_have_count(1)

    # when 2,000 deliveries arrive queued and then delivered in a burst
    ids = range(1_000_000, 1_002_000)
    for start in range(0, len(ids), 100):
        chunk = ids[start : start + 100]
        send([message(i, "queued") for i in chunk])
        send([message(i, "delivered") for i in chunk])
    # then the page keeps the newest 500, newest first, each row once, all delivered
    expect(page.locator("tr.live-row")).to_have_count(500, timeout=10_000)
    expect(page.locator("tr.live-row").first).to_have_attribute("data-id", "1001999")
    expect(page.locator("tr.live-row").last).to_have_attribute("data-id", "1001500")
    expect(page.locator("tr.live-row[data-status='delivered']")).to_have_count(500)
    # and, all received in the same second, they fold under the newest row as "×500"
    expect(page.locator("tr.live-row").first.get_by_test_id("live-repeat")).to_have_text("×500")
    expect(page.locator("tr.live-row:visible").filter(has_text="Burst")).to_have_count(1)
    # and it still answers straight away
    assert page.evaluate("() => new Promise(r => requestAnimationFrame(() => r(true)))")


def test_an_event_delivered_by_the_worker_shows_on_pages_served_by_either_daphne(
    stack, staff_user, page: Page
):
    # given Mixpanel installed and two web servers beside one Celery worker
    integration = mixpanel("retail")
    second_url = stack.start_web("daphne2")
    _, client = collector(stack.base_url)
    # one login: the session lives in the database, the cookie belongs to 127.0.0.1
    log_in(page, stack.base_url)
    other = page.context.new_page()
    open_live(page, stack.base_url, integration.id)
    open_live(other, second_url, integration.id)
    # when one event is sent
    assert client.post("/v1/track", json=track("Product Viewed")).status_code == 200
    # then both pages show it delivered
    for each in (page, other):
        expect(badge(each, "Product Viewed")).to_have_text(
            re.compile(r"delivered\s*200"), timeout=STARTUP_MS
        )
    # and when the second web server goes away, its page says so and keeps trying
    stack.kill("daphne2")
    state = other.get_by_test_id("connection-state")
    expect(state).to_have_attribute("data-state", "reconnecting")
    expect(state).to_contain_text("Reconnecting")
    expect(page.get_by_test_id("connection-state")).to_have_text("Live")


def test_clicks_in_the_demo_shop_arrive_on_the_live_page_with_200(
    stack, staff_user, page: Page, artifacts: Path
):
    # given the Live Events page open, and the demo shop in another page beside it
    from integrations.models import Source

    integration = mixpanel("retail")
    source = Source.objects.create(name="Demo shop")
    log_in(page, stack.base_url)
    open_live(page, stack.base_url, integration.id)
    shop = page.context.new_page()
    shop.goto(f"{stack.base_url}/demo/?writeKey={source.write_key}")
    shop.get_by_role("button", name="Allow analytics").click()

    # when the visitor views a product, adds it and checks out
    shop.get_by_role("button", name="View Canvas Weekender").click()
    expect(badge(page, "Product Viewed")).to_have_text(
        re.compile(r"delivered\s*200"), timeout=STARTUP_MS
    )
    dialog = shop.get_by_role("dialog", name="Canvas Weekender")
    dialog.get_by_role("button", name="Add to cart").click()
    # then each click arrives at Mixpanel, with its answer, within seconds
    expect(badge(page, "Product Added")).to_have_text(
        re.compile(r"delivered\s*200"),
        timeout=ARRIVAL_MS + 1_000,  # + datafly.js batching
    )
    expect(row(page, "Product Added")).to_contain_text("Add to Cart")
    shop.get_by_role("button", name="Checkout").click()
    expect(badge(page, "Order Completed")).to_have_text(
        re.compile(r"delivered\s*200"), timeout=ARRIVAL_MS + 1_000
    )
    expect(row(page, "Order Completed")).to_contain_text("Purchase")
    page.screenshot(path=str(artifacts / "live-events-demo-shop.png"), full_page=True)
