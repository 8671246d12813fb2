"""The section editor: every shipped blueprint round-trips, and edits land where they belong."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from integrations.catalog import get_destination
from integrations.models import BlueprintRevision, Integration
from signal_admin.web.services import install
from tests.support.editor_sections import assert_every_field_has_help, section_titles
from tests.support.html_form import form_fields

VARIANTS = ["default", "retail", "b2b_saas"]


def installed(variant: str) -> Integration:
    return install(
        get_destination("mixpanel"),
        name=f"Mixpanel {variant}",
        variant=variant,
        config={"project_token": "abc123def456789", "api_secret": "s3cret"},
    )


def url(integration: Integration, editor: str = "") -> str:
    base = reverse("integrations:blueprint", args=[integration.pk])
    return f"{base}?editor={editor}" if editor else base


def as_browser(client: Client, integration: Integration, editor: str = "") -> dict[str, str]:
    """The editor's fields exactly as the page renders them, ready to submit."""
    return form_fields(client.get(url(integration, editor)).content.decode(), "blueprint-editor")


def stored(integration: Integration) -> str:
    return json.dumps(Integration.objects.get(pk=integration.pk).blueprint)


def rule_row(fields: dict[str, str], event_name: str) -> str:
    """The form prefix (`events-3`) of the rule matching this source event."""
    for key, value in fields.items():
        if key.startswith("events-") and key.endswith("-name") and value == event_name:
            return key.removesuffix("-name")
    raise AssertionError(f"no rule for {event_name}")


@pytest.mark.django_db
@pytest.mark.parametrize("editor", ["", "json"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_saving_every_shipped_blueprint_with_no_edit_leaves_it_byte_identical(
    staff_client: Client, variant: str, editor: str
):
    integration = installed(variant)
    before = stored(integration)
    fields = as_browser(staff_client, integration, editor)

    response = staff_client.post(url(integration), fields | {"action": "save"})

    assert response.status_code == 302, response.content.decode()[:2000]
    assert stored(integration) == before
    assert BlueprintRevision.objects.filter(integration=integration).count() == 1


@pytest.mark.django_db
def test_every_part_of_the_blueprint_has_a_section_with_help_on_every_field(
    staff_client: Client,
):
    integration = installed("b2b_saas")
    response = staff_client.get(url(integration))
    html = response.content.decode()

    assert section_titles(response) == [
        "Events",
        "Identity",
        "Consent",
        "Revenue",
        "Profiles",
        "Groups",
        "Enrichment",
        "Delivery",
    ]
    assert_every_field_has_help(response)
    assert 'data-testid="section-consent"' in html


@pytest.mark.django_db
def test_renaming_an_event_in_its_row_changes_only_that_rule(staff_client: Client):
    integration = installed("retail")
    before = Integration.objects.get().blueprint
    fields = as_browser(staff_client, integration)
    row = rule_row(fields, "Product Added")

    staff_client.post(
        url(integration), fields | {f"{row}-rename": "Added To Basket", "action": "save"}
    )

    after = Integration.objects.get().blueprint
    changed = [
        i for i, (a, b) in enumerate(zip(before["events"], after["events"], strict=True)) if a != b
    ]
    assert len(changed) == 1
    assert after["events"][changed[0]]["rename"] == "Added To Basket"
    assert {k: v for k, v in after.items() if k != "events"} == {
        k: v for k, v in before.items() if k != "events"
    }


@pytest.mark.django_db
def test_the_consent_section_switches_missing_consent_to_deliver(staff_client: Client):
    integration = installed("retail")
    fields = as_browser(staff_client, integration)

    staff_client.post(
        url(integration), fields | {"consent-allow_missing": "true", "action": "save"}
    )

    consent = Integration.objects.get().blueprint["consent"]
    assert consent == {"category": "analytics", "allow_missing": True}


@pytest.mark.django_db
def test_rules_can_be_added_removed_and_reordered(staff_client: Client):
    integration = installed("retail")
    before = Integration.objects.get().blueprint["events"]
    fields = as_browser(staff_client, integration)
    total = int(fields["events-TOTAL_FORMS"])
    blank = f"events-{total - 1}"
    first, second = "events-0", "events-1"

    staff_client.post(
        url(integration),
        fields
        | {
            f"{blank}-type": "track",
            f"{blank}-name": "Wishlist Added",
            f"{blank}-rename": "Added To Wishlist",
            f"{blank}-properties": "Product ID = properties.product_id",
            f"{blank}-keep_unmapped": "on",
            f"{blank}-ORDER": "0",
            f"{first}-DELETE": "on",
            f"{second}-ORDER": str(total + 5),
            "action": "save",
        },
    )

    after = Integration.objects.get().blueprint["events"]
    assert after[0] == {
        "match": {"type": "track", "name": "Wishlist Added"},
        "rename": "Added To Wishlist",
        "properties": {"Product ID": "properties.product_id"},
    }
    assert before[0] not in after
    assert after[-1] == before[1]
    assert len(after) == len(before)


@pytest.mark.django_db
def test_turning_revenue_and_groups_on_and_off_writes_null_or_their_settings(staff_client: Client):
    integration = installed("retail")
    fields = as_browser(staff_client, integration)
    fields.pop("revenue-enabled", None)

    staff_client.post(
        url(integration),
        fields | {"groups-enabled": "on", "groups-key": "company_id", "action": "save"},
    )

    blueprint = Integration.objects.get().blueprint
    assert blueprint["revenue"] is None
    assert blueprint["groups"] == {"key": "company_id"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rename", "$purchase", "reserved by Mixpanel"),
        ("properties", "Price = not a path!", "property path"),
        ("properties", "just words", "Line 1: expected"),
        ("name", "Product Viewed", "same match as"),
    ],
)
def test_an_invalid_edit_is_shown_on_its_field_and_nothing_is_saved(
    staff_client: Client, field: str, value: str, message: str
):
    integration = installed("retail")
    fields = as_browser(staff_client, integration)
    row = rule_row(fields, "Product Added")

    response = staff_client.post(
        url(integration), fields | {f"{row}-{field}": value, "action": "save"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Some fields need attention" in html
    index = int(row.split("-")[1])
    rows = [b for b in response.context["sections"] if b.key == "events"][0].form.forms
    assert any(message in error for error in rows[index].errors.get(field, [])), rows[index].errors
    assert BlueprintRevision.objects.count() == 1


@pytest.mark.django_db
def test_the_section_preview_follows_the_unsaved_rename(staff_client: Client):
    integration = installed("retail")
    fields = as_browser(staff_client, integration)
    row = rule_row(fields, "Product Added")
    chosen = fields | {f"{row}-rename": "Added To Basket", "sample": "sample:1"}

    response = staff_client.post(
        reverse("integrations:blueprint_preview", args=[integration.pk]), chosen
    )

    assert response.context["preview"]["edited"]["destination_event"] == "Added To Basket"
    assert b"Added To Basket" in response.content


@pytest.mark.django_db
def test_missing_consent_can_be_set_per_source_kind_and_previewed_for_each(staff_client: Client):
    integration = installed("retail")
    fields = as_browser(staff_client, integration)

    staff_client.post(
        url(integration), fields | {"consent-missing_server": "true", "action": "save"}
    )
    paste = {
        "sample": "paste",
        "event": '{"type": "track", "event": "Invoice Paid", "userId": "u"}',
    }
    preview = reverse("integrations:blueprint_preview", args=[integration.pk])
    fields = as_browser(staff_client, integration)
    server = staff_client.post(preview, fields | paste | {"source_kind": "server"})
    browser = staff_client.post(preview, fields | paste | {"source_kind": "browser"})

    consent = Integration.objects.get().blueprint["consent"]
    assert consent["allow_missing_by_source_kind"] == {"server": True}
    assert consent["allow_missing"] is False
    assert server.context["preview"]["saved"]["decision"] == "deliver"
    assert browser.context["preview"]["saved"]["decision"] == "suppressed"


@pytest.mark.django_db
def test_the_identity_section_says_where_else_to_find_the_ids(staff_client: Client):
    integration = installed("retail")
    fields = as_browser(staff_client, integration)
    ids = {
        "identity-user_id_fallbacks": "traits.email, context.traits.email",
        "identity-anonymous_id_fallbacks": "context.device.id",
        "action": "save",
    }

    staff_client.post(url(integration), fields | ids)
    bad = staff_client.post(
        url(integration),
        as_browser(staff_client, integration)
        | {"identity-user_id_fallbacks": "email", "action": "save"},
    )

    identity = Integration.objects.get().blueprint["identity"]
    assert identity["user_id_fallbacks"] == ["traits.email", "context.traits.email"]
    assert identity["anonymous_id_fallbacks"] == ["context.device.id"]
    assert bad.status_code == 400
    identity_form = next(b for b in bad.context["sections"] if b.key == "identity").form
    assert "property path" in identity_form.errors["user_id_fallbacks"][0]
