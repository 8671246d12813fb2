"""The generic pages serve an installed Amplitude integration (no page names it in code)."""

import pytest
from django.urls import reverse

from delivery.outbox import fan_out_pending
from delivery.sender import send_pending
from tests.amplitude.test_pipeline import accept, amplitude, track

pytestmark = pytest.mark.django_db
PAGES = ("detail", "edit", "blueprint", "dashboard", "deliveries", "live")


@pytest.mark.parametrize("page", PAGES)
def test_every_integration_page_serves_amplitude(staff_client, amplitude_at_fake, page):
    integration = amplitude("b2b_saas")
    accept(track())
    fan_out_pending()
    send_pending(integration.id)
    response = staff_client.get(reverse(f"integrations:{page}", args=[integration.pk]))
    assert response.status_code == 200, page


def test_the_library_offers_amplitude_and_its_variants(staff_client):
    html = staff_client.get(reverse("integrations:library")).content.decode()
    assert reverse("integrations:install", args=["amplitude"]) in html
    install = staff_client.get(reverse("integrations:install", args=["amplitude"]))
    assert 'name="variant" value="b2b_saas"' in install.content.decode()


def test_the_blueprint_page_previews_a_sample_event_as_amplitude_would_get_it(staff_client):
    integration = amplitude("retail")
    url = reverse("integrations:blueprint", args=[integration.pk])
    html = staff_client.get(url).content.decode()
    assert "Product Viewed" in html and "/2/httpapi" in html
