"""Steps shared by the browser tests."""

from playwright.sync_api import Page, expect

PASSWORD = "correct-horse-battery"  # the `staff_user` fixture's


def log_in(page: Page, base_url: str, username: str = "admin") -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Installed", exact=True)).to_be_visible()
