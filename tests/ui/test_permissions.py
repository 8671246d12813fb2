"""Staff without change permissions can watch everything and change nothing."""

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from delivery.models import Delivery
from tests.delivery.helpers import mixpanel

pytestmark = pytest.mark.django_db


def _staff(*codenames: str) -> Client:
    user = User.objects.create_user("watcher", password="watch-only-123", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def integration():
    return mixpanel()


def test_a_read_only_staff_member_sees_the_pages_without_their_buttons(integration):
    # given
    client = _staff()
    # when
    pages = [
        reverse("integrations:installed"),
        reverse("integrations:library"),
        reverse("integrations:detail", args=[integration.pk]),
        reverse("integrations:dashboard", args=[integration.pk]),
        reverse("integrations:deliveries", args=[integration.pk]),
        reverse("integrations:live", args=[integration.pk]),
    ]
    responses = {url: client.get(url) for url in pages}
    # then
    assert {url: r.status_code for url, r in responses.items()} == dict.fromkeys(pages, 200)
    dashboard = responses[reverse("integrations:dashboard", args=[integration.pk])].content
    assert b"Read-only access" in dashboard and b"Send test event" not in dashboard
    detail = responses[reverse("integrations:detail", args=[integration.pk])].content
    assert b"Delete" not in detail and b"Disable" not in detail
    library = responses[reverse("integrations:library")].content
    assert b'aria-label="Install Mixpanel"' not in library


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("integrations:edit", "get"),
        ("integrations:toggle", "post"),
        ("integrations:delete", "post"),
        ("integrations:replay", "post"),
        ("integrations:send_test", "post"),
    ],
)
def test_a_read_only_staff_member_cannot_change_anything(integration, name, method):
    # when
    response = getattr(_staff(), method)(reverse(name, args=[integration.pk]))
    # then
    assert response.status_code == 403
    assert b"You can watch, not change" in response.content
    integration.refresh_from_db()
    assert integration.enabled
    assert not Delivery.objects.exists()


def test_installing_needs_the_add_permission():
    url = reverse("integrations:install", args=["mixpanel"])
    assert _staff("change_integration").get(url).status_code == 403


def test_the_change_permission_allows_edits_but_not_deletes(integration):
    client = _staff("change_integration")
    assert client.post(reverse("integrations:toggle", args=[integration.pk])).status_code == 302
    assert client.post(reverse("integrations:delete", args=[integration.pk])).status_code == 403


def test_a_read_only_staff_member_sees_sources_but_cannot_create_one():
    client = _staff()
    page = client.get(reverse("integrations:sources"))
    assert page.status_code == 200 and b"Create source" not in page.content
    response = client.post(reverse("integrations:sources"), {"name": "Shop", "kind": "browser"})
    assert response.status_code == 403
    assert b"Can add source" in response.content
