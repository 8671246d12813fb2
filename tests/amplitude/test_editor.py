"""Amplitude's section editor: every shipped blueprint round-trips byte for byte, and edits
land where they belong."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from integrations.models import Integration
from tests.amplitude.test_pipeline import amplitude
from tests.support.editor_sections import assert_every_field_has_help, section_titles
from tests.support.html_form import form_fields

pytestmark = pytest.mark.django_db


def url(integration: Integration) -> str:
    return reverse("integrations:blueprint", args=[integration.pk])


def as_browser(client: Client, integration: Integration) -> dict[str, str]:
    return form_fields(client.get(url(integration)).content.decode(), "blueprint-editor")


def stored(integration: Integration) -> dict:
    return Integration.objects.get(pk=integration.pk).blueprint


@pytest.mark.parametrize("variant", ["default", "retail", "b2b_saas"])
def test_saving_a_shipped_blueprint_with_no_edit_leaves_it_byte_identical(
    staff_client: Client, variant: str
):
    integration = amplitude(variant)
    before = json.dumps(stored(integration))
    response = staff_client.post(
        url(integration), as_browser(staff_client, integration) | {"action": "save"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert json.dumps(stored(integration)) == before


def test_every_section_and_field_has_help(staff_client: Client):
    response = staff_client.get(url(amplitude("b2b_saas")))
    assert section_titles(response) == [
        "Events",
        "Identity",
        "Consent",
        "Revenue",
        "User properties",
        "Groups",
        "Enrichment",
        "Delivery",
    ]
    assert_every_field_has_help(response)


def test_switching_to_the_batch_api_and_per_product_revenue(staff_client: Client):
    integration = amplitude("default")
    fields = as_browser(staff_client, integration)
    staff_client.post(
        url(integration),
        fields | {"delivery-batch_api": "true", "revenue-per_product": "on", "action": "save"},
    )
    blueprint = stored(integration)
    assert blueprint["delivery"] == {"batch_api": True}
    assert blueprint["revenue"]["per_product"] is True
    assert blueprint["revenue"]["revenue"] == ["properties.revenue", "properties.total"]


def test_a_reserved_event_type_is_shown_on_its_field_and_nothing_is_saved(staff_client: Client):
    integration = amplitude("default")
    before = stored(integration)
    fields = as_browser(staff_client, integration)
    response = staff_client.post(
        url(integration), fields | {"events-0-rename": "$identify", "action": "save"}
    )
    assert "reserved by Amplitude" in response.content.decode()
    assert stored(integration) == before
