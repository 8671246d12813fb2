"""The demo storefront and datafly.js in real headless Chromium, against a real daphne.

Standalone daphne has an in-memory broker, so nothing is delivered here; the tests check the
events Signal stored, which is what the collection API promises with its 200.
"""

import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from delivery.models import Event
from integrations.models import Source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def source(db) -> Source:
    return Source.objects.create(name="Demo shop")


def stored(source: Source) -> list[dict]:
    return [e.payload for e in Event.objects.filter(source=source).order_by("id")]


def flush(page: Page) -> None:
    """Send what datafly.js has queued and wait for Signal's answer."""
    page.evaluate("datafly.flush()")


def analytics(event: dict) -> bool | None:
    consent = event["context"].get("consent")
    return consent["categoryPreferences"]["analytics"] if consent else None


def wait_for(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def open_shop(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/demo/")
    expect(page.get_by_role("heading", name="Signal Demo Shop")).to_be_visible()


def test_a_visitor_shops_and_signal_stores_every_event(
    daphne_server: str, page: Page, source: Source, artifacts: Path
):
    open_shop(page, daphne_server)
    banner = page.get_by_role("dialog", name="Can we measure how you use the shop?")
    expect(banner).to_be_visible()
    page.screenshot(path=str(artifacts / "demo-shop-consent.png"))
    page.get_by_role("button", name="Allow analytics").click()
    expect(banner).to_be_hidden()
    expect(page.locator("#consent-state")).to_have_text("allowed")

    # view a product and add it from its dialog; add another from the grid
    page.get_by_role("button", name="View Canvas Weekender").click()
    dialog = page.get_by_role("dialog", name="Canvas Weekender")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Add to cart").click()
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Add Aurora Desk Lamp to cart").click()
    expect(page.locator("#cart-total")).to_have_text("$138.00")

    # log in, then check out
    page.get_by_label("Email").fill("Jane.Smith@example.com")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Hi, Jane Smith")).to_be_visible()
    flush(page)
    expect(page.locator('#activity .entry[data-status="sent"]')).to_have_count(5)
    page.screenshot(path=str(artifacts / "demo-shop.png"), full_page=True)
    page.get_by_role("button", name="Checkout").click()
    expect(page.locator("#order-note")).to_contain_text("placed: $138.00")
    expect(page.locator("#cart-total")).to_have_text("$0.00")
    flush(page)
    expect(page.locator("#activity .entry")).to_have_count(6)
    expect(page.locator('#activity .entry[data-status="sent"]')).to_have_count(6)

    events = stored(source)
    assert [(e["type"], e.get("event") or e.get("name", "")) for e in events] == [
        ("page", ""),
        ("track", "Product Viewed"),
        ("track", "Product Added"),
        ("track", "Product Added"),
        ("identify", ""),
        ("track", "Order Completed"),
    ]
    assert [r.name for r in Event.objects.filter(source=source).order_by("id")][1:4] == [
        "Product Viewed",
        "Product Added",
        "Product Added",
    ]
    page_view, viewed, added, _, identify, order = events

    # one visitor, one anonymous id; the user id from login on
    anonymous_ids = {e["anonymousId"] for e in events}
    assert len(anonymous_ids) == 1 and next(iter(anonymous_ids))
    assert all("userId" not in e for e in events[:4])
    assert identify["userId"].startswith("user-")
    assert order["userId"] == identify["userId"]
    assert identify["traits"] == {"email": "jane.smith@example.com", "name": "Jane Smith"}
    message_ids = [e["messageId"] for e in events]
    assert len(set(message_ids)) == len(message_ids) == 6

    # consent: none before the choice, analytics granted after it
    assert analytics(page_view) is None
    assert all(analytics(e) is True for e in events[1:])

    # what datafly.js fills in
    context = viewed["context"]
    assert context["library"]["name"] == "datafly.js" and context["library"]["version"]
    assert context["page"]["path"] == "/demo/"
    assert context["page"]["title"] == "Signal Demo Shop"
    assert context["page"]["url"] == f"{daphne_server}/demo/"
    assert context["userAgent"] and context["locale"]
    assert page_view["properties"]["path"] == "/demo/"
    assert page_view["properties"]["url"] == f"{daphne_server}/demo/"
    assert page_view["properties"]["title"] == "Signal Demo Shop"
    # the device's clock and the send time, corrected by Signal to its own; the browser's IP
    assert viewed["originalTimestamp"].endswith("Z") and viewed["sentAt"].endswith("Z")
    assert viewed["originalTimestamp"] <= viewed["sentAt"]
    assert viewed["timestamp"].endswith("Z") and viewed["timestamp"] <= viewed["receivedAt"]
    assert context["ip"] == "127.0.0.1"
    assert viewed["properties"] == {
        "product_id": "p-1002",
        "sku": "BAG-CNV-02",
        "name": "Canvas Weekender",
        "category": "Travel",
        "price": 89,
        "currency": "USD",
    }
    assert added["properties"]["quantity"] == 1

    # the retail Order Completed shape
    props = order["properties"]
    assert props["order_id"].startswith("ORD-")
    assert props["total"] == props["revenue"] == 138
    assert props["currency"] == "USD"
    assert {p["product_id"] for p in props["products"]} == {"p-1001", "p-1002"}
    lamp = next(p for p in props["products"] if p["product_id"] == "p-1001")
    assert lamp == {
        "product_id": "p-1001",
        "sku": "LMP-AUR-01",
        "name": "Aurora Desk Lamp",
        "category": "Home",
        "price": 49,
        "quantity": 1,
    }

    # deny consent: events still go, saying so
    page.get_by_role("button", name="Privacy settings").click()
    page.get_by_role("button", name="Deny").click()
    expect(page.locator("#consent-state")).to_have_text("denied")
    page.get_by_role("button", name="Add Merino Beanie to cart").click()
    flush(page)
    denied = stored(source)[-1]
    assert denied["event"] == "Product Added"
    assert analytics(denied) is False

    # a reload keeps the anonymous id, the user id and the consent choice
    page.reload()
    expect(page.get_by_text("Hi, Jane Smith")).to_be_visible()
    expect(page.get_by_role("dialog", name="Can we measure how you use the shop?")).to_be_hidden()
    flush(page)
    again = stored(source)[-1]
    assert again["type"] == "page"
    assert again["anonymousId"] in anonymous_ids
    assert again["userId"] == identify["userId"]
    assert analytics(again) is False

    # log out: no user id, a new anonymous id
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("button", name="Add Walnut Phone Stand to cart").click()
    flush(page)
    after = stored(source)[-1]
    assert "userId" not in after
    assert after["anonymousId"] not in anonymous_ids


def test_events_left_in_the_queue_go_with_send_beacon_when_the_page_is_left(
    daphne_server: str, page: Page, source: Source
):
    open_shop(page, daphne_server)
    flush(page)
    # With fetch failing, only navigator.sendBeacon on pagehide can deliver the event.
    page.evaluate(
        """() => {
            window.fetch = () => Promise.reject(new TypeError('offline'));
            datafly.track('Left In A Hurry', {step: 1});
        }"""
    )
    page.goto("about:blank")

    event = wait_for(lambda: Event.objects.filter(source=source, name="Left In A Hurry").first())
    assert event.payload["properties"] == {"step": 1}
    assert event.payload["context"]["library"]["name"] == "datafly.js"


def test_a_failed_send_is_retried_with_backoff(daphne_server: str, page: Page, source: Source):
    answers = [503, 429]

    def flaky(route: Route) -> None:
        if answers:
            route.fulfill(status=answers.pop(0), body="{}")
        else:
            route.continue_()

    page.route("**/v1/batch", flaky)
    open_shop(page, daphne_server)
    flush(page)

    assert answers == []
    assert [e["type"] for e in stored(source)] == ["page"]
    expect(page.locator('#activity .entry[data-status="sent"]')).to_have_count(1)


def test_an_event_signal_rejects_is_shown_with_its_reason_and_its_neighbours_as_sent(
    daphne_server: str, page: Page, source: Source
):
    open_shop(page, daphne_server)
    flush(page)
    # a track call without a name is invalid; the one queued with it is fine
    page.evaluate("() => { datafly.track('Wishlist Opened'); datafly.track(''); }")
    flush(page)

    rejected = page.locator('#activity .entry[data-status^="rejected"]')
    expect(rejected).to_have_count(1)
    expect(rejected).to_contain_text("a track call needs an `event` name")
    expect(page.locator('#activity .entry[data-name="Wishlist Opened"]')).to_have_attribute(
        "data-status", "sent"
    )
    assert [e.get("event") for e in stored(source)] == [None, "Wishlist Opened"]


def test_the_page_shows_the_snippet_it_runs(daphne_server: str, page: Page, source: Source):
    open_shop(page, daphne_server)
    shown = page.get_by_test_id("install-snippet").inner_text()

    assert f'writeKey: "{source.write_key}"' in shown
    assert f'<script src="{daphne_server}/static/datafly.js"></script>' in shown
    assert page.evaluate("datafly.version")
