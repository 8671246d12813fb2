"""The mobile context as Mixpanel's Android and iOS SDKs name it."""

from typing import Any

from tests.mixpanel.helpers import event, props, run

DALVIK = "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP1A.240305.019)"
WEB_VIEW_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148"
)
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)
SIGNAL_OWN = {"token", "time", "distinct_id", "$insert_id", "ip", "$device_id", "$user_id"}


def screen(context: dict[str, Any], **properties: Any) -> dict[str, Any]:
    ev = event(type="screen", name="Home", properties=properties)
    ev["context"] |= context
    sent = props(run(ev))
    return {k: v for k, v in sent.items() if k not in SIGNAL_OWN and k != "name"}


def android(**changes: Any) -> dict[str, Any]:
    """The context analytics-kotlin sends from an Android app."""
    context = {
        "app": {"name": "Shop", "version": "2.4.1", "build": "241", "namespace": "com.shop"},
        "os": {"name": "Android", "version": "14"},
        "device": {"manufacturer": "Google", "model": "Pixel 8", "type": "android"},
        "screen": {"width": 1080, "height": 2400, "density": 2.625},
        "network": {"carrier": "T-Mobile", "wifi": True, "bluetooth": False, "cellular": True},
        "library": {"name": "analytics-kotlin", "version": "1.16.0"},
        "userAgent": DALVIK,
    }
    return context | changes


def test_an_android_app_s_context_is_named_as_mixpanel_s_android_sdk_names_it() -> None:
    # when
    sent = screen(android())
    # then
    assert sent == {
        "$os": "Android",
        "$os_version": "14",
        "$manufacturer": "Google",
        "$model": "Pixel 8",
        "$screen_width": 1080,
        "$screen_height": 2400,
        "$carrier": "T-Mobile",
        "$wifi": True,
        "$bluetooth_enabled": False,
        "$app_name": "Shop",
        "$app_version_string": "2.4.1",
        "$app_build_number": "241",
        "$app_namespace": "com.shop",
        "$screen_dpi": 420,
        "mp_lib": "analytics-kotlin",
        "$lib_version": "1.16.0",
    }


def test_a_screen_density_already_in_dots_per_inch_is_sent_as_it_is() -> None:
    # given: RudderStack's Android SDK sends densityDpi
    context = android(screen={"width": 1080, "height": 2400, "density": 440})
    # then
    assert screen(context)["$screen_dpi"] == 440


def test_ios_has_no_screen_dpi_and_ipados_stays_ipados() -> None:
    # given
    context = {
        "app": {"name": "Shop", "version": "2.4.1", "build": "241"},
        "os": {"name": "iPadOS", "version": "17.4"},
        "device": {"manufacturer": "Apple", "model": "iPad13,18"},
        "screen": {"width": 820, "height": 1180, "density": 2},
    }
    # when
    sent = screen(context)
    # then
    assert (sent["$os"], sent["$model"]) == ("iPadOS", "iPad13,18")
    assert "$screen_dpi" not in sent


def test_an_os_name_in_lower_case_is_spelled_as_mixpanel_spells_it() -> None:
    assert screen(android(os={"name": "android", "version": "14"}))["$os"] == "Android"


def test_in_an_app_the_device_context_wins_over_the_user_agent() -> None:
    # given: the app agent names an older OS than the library measured, and the model
    context = android(device={}, userAgent=DALVIK.replace("Android 14", "Android 13"))
    # when
    sent = screen(context)
    # then: the agent fills only what the context lacks
    assert (sent["$os"], sent["$os_version"]) == ("Android", "14")
    assert (sent["$model"], sent["$manufacturer"]) == ("Pixel 8", "Google")


def test_an_app_s_web_view_user_agent_gives_no_browser_and_no_device() -> None:
    # given
    context = {"app": {"name": "Shop"}, "userAgent": WEB_VIEW_IOS}
    # when
    sent = screen(context)
    # then
    assert sent == {"$app_name": "Shop", "$os": "iOS", "$manufacturer": "Apple"}


def test_a_browser_sdk_s_own_app_context_is_not_an_app() -> None:
    # given: RudderStack's JS SDK describes itself in context.app, and sends an empty os
    context = {
        "app": {"name": "RudderLabs JavaScript SDK", "namespace": "com.rudderlabs.javascript"},
        "os": {"name": "", "version": ""},
        "page": {"url": "https://shop.example/"},
        "screen": {"width": 1440, "height": 900, "density": 2},
        "userAgent": CHROME_MAC,
    }
    # when
    sent = screen(context)
    # then
    assert not [key for key in sent if key.startswith("$app_") or key == "$screen_dpi"]
    assert (sent["$browser"], sent["$os"]) == ("Chrome", "Mac OS X")
    assert (sent["$screen_width"], sent["$screen_height"]) == (1440, 900)


def test_in_a_browser_the_user_agent_wins_over_the_os_context() -> None:
    # given
    context = {"page": {}, "os": {"name": "macOS", "version": "14.4"}, "userAgent": CHROME_MAC}
    # when
    sent = screen(context)
    # then
    assert (sent["$os"], sent["$os_version"]) == ("Mac OS X", "14.4")


def test_what_the_app_sent_wins_over_the_mobile_context() -> None:
    assert screen(android(), **{"$carrier": "mine"})["$carrier"] == "mine"
