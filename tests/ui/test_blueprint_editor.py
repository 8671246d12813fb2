"""The blueprint editor page: JSON editing with errors at their line, preview, history."""

import json

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from integrations import blueprints
from integrations.catalog import get_destination
from integrations.models import BlueprintRevision, Integration
from signal_admin.web.services import install

SECRET = "s3cret-value-xyz-7781"


@pytest.fixture
def integration(db) -> Integration:
    return install(
        get_destination("mixpanel"),
        name="Mixpanel",
        variant="retail",
        config={"project_token": "abc123def456789", "api_secret": SECRET},
    )


def url(integration: Integration, name: str = "blueprint", *args) -> str:
    return reverse(f"integrations:{name}", args=[integration.pk, *args])


def renamed(blueprint: dict, new: str = "Added To Basket") -> dict:
    data = json.loads(json.dumps(blueprint))
    rule = next(r for r in data["events"] if r["match"].get("name") == "Product Added")
    rule["rename"] = new
    return data


def edit(integration: Integration, data, **extra) -> dict:
    text = data if isinstance(data, str) else blueprints.pretty(data)
    return {"blueprint": text, "revision": integration.blueprint_revision, **extra}


def test_the_editor_shows_the_saved_blueprint_says_it_is_shipped_and_previews_a_sample(
    staff_client: Client, integration
):
    response = staff_client.get(url(integration))
    html = response.content.decode()

    assert response.status_code == 200
    assert 'data-testid="blueprint-state">Shipped<' in html
    assert "Revision 1." in html
    assert json.loads(response.context["text"]) == integration.blueprint
    assert response.context["preview"]["saved"]["decision"] == "deliver"
    assert "deliveries already built keep the payload" in html
    assert SECRET not in html


def test_previewing_an_edit_shows_the_new_name_and_its_diff_without_saving(
    staff_client: Client, integration
):
    data = edit(integration, renamed(integration.blueprint), action="preview", sample="sample:1")

    response = staff_client.post(url(integration), data)

    preview = response.context["preview"]
    assert response.status_code == 200
    assert preview["edited"]["destination_event"] == "Added To Basket"
    assert preview["saved"]["destination_event"] == "Add to Cart"
    assert '+  "destination_event": "Added To Basket"' in preview["difference"]
    assert Integration.objects.get().blueprint == integration.blueprint


def test_the_preview_fragment_answers_for_a_pasted_event(staff_client: Client, integration):
    event = {"type": "track", "event": "Product Added", "anonymousId": "a-1"}
    data = edit(
        integration, renamed(integration.blueprint), sample="paste", event=json.dumps(event)
    )

    response = staff_client.post(url(integration, "blueprint_preview"), data)

    assert response.status_code == 200
    # no consent information: the retail blueprint suppresses it, under either blueprint
    assert response.context["preview"]["edited"]["decision"] == "suppressed"
    assert "consent" in response.context["preview"]["edited"]["reason"]
    assert b'data-testid="preview-decision"' in response.content


def test_saving_an_edit_makes_a_revision_with_its_author_and_comment(
    staff_client: Client, integration
):
    data = edit(integration, renamed(integration.blueprint), action="save", comment="Basket")

    response = staff_client.post(url(integration), data, follow=True)

    stored = Integration.objects.get()
    assert stored.blueprint_revision == 2
    assert renamed(integration.blueprint) == stored.blueprint
    revision = BlueprintRevision.objects.first()
    assert (revision.author, revision.comment, revision.kind) == ("admin", "Basket", "edit")
    html = response.content.decode()
    assert "Saved revision 2." in html
    assert 'data-testid="blueprint-state">Customised<' in html


def test_saving_with_no_edit_keeps_the_blueprint_byte_identical_and_adds_no_revision(
    staff_client: Client, integration
):
    before = json.dumps(Integration.objects.get().blueprint)
    text = staff_client.get(url(integration)).context["text"]

    staff_client.post(url(integration), {"blueprint": text, "revision": 1, "action": "save"})

    assert json.dumps(Integration.objects.get().blueprint) == before
    assert BlueprintRevision.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "path", "line_text"),
    [
        (lambda b: renamed(b, ""), "events[2].rename", '"rename": ""'),
        (lambda b: b | {"colour": "blue"}, "colour", '"colour": "blue"'),
    ],
)
def test_an_invalid_edit_is_not_saved_and_each_problem_names_its_path_and_line(
    staff_client: Client, integration, change, path, line_text
):
    data = change(integration.blueprint)
    text = blueprints.pretty(data)

    response = staff_client.post(url(integration), edit(integration, text, action="save"))

    assert response.status_code == 400
    [error] = [e for e in response.context["errors"] if e["path"] == path]
    assert line_text in text.splitlines()[error["line"] - 1]
    assert f"Line {error['line']}, <code>{path}</code>" in response.content.decode()
    assert Integration.objects.get().blueprint_revision == 1


def test_text_that_is_not_json_is_refused_at_its_line(staff_client: Client, integration):
    text = '{\n  "version": "0.1.0",\n  "events": [\n}'

    response = staff_client.post(url(integration), edit(integration, text, action="save"))

    assert response.status_code == 400
    [error] = response.context["errors"]
    assert error["line"] == 4 and "Not valid JSON" in error["message"]
    assert response.context["text"] == text  # the admin's text is kept as typed


def test_a_save_from_a_stale_tab_is_refused_and_keeps_the_first_change(
    staff_client: Client, integration
):
    first = edit(integration, renamed(integration.blueprint), action="save")
    second = edit(integration, renamed(integration.blueprint, "Basket Add"), action="save")
    staff_client.post(url(integration), first)

    response = staff_client.post(url(integration), second)

    assert response.status_code == 409
    assert "Someone saved revision 2" in response.content.decode()
    stored = Integration.objects.get().blueprint
    assert renamed(integration.blueprint) == stored


def test_rolling_back_and_resetting_bring_old_blueprints_back_as_new_revisions(
    staff_client: Client, integration
):
    staff_client.post(
        url(integration), edit(integration, renamed(integration.blueprint), action="save")
    )

    staff_client.post(url(integration, "blueprint_rollback", 1), {"revision": 2})
    after_rollback = Integration.objects.get()
    staff_client.post(
        url(integration), edit(after_rollback, renamed(integration.blueprint), action="save")
    )
    staff_client.post(url(integration, "blueprint_reset"), {"revision": 4})

    stored = Integration.objects.get()
    assert after_rollback.blueprint == integration.blueprint
    assert stored.blueprint == get_destination("mixpanel").load_blueprint("retail")
    kinds = list(BlueprintRevision.objects.values_list("number", "kind"))
    assert kinds == [(5, "reset"), (4, "edit"), (3, "rollback"), (2, "edit"), (1, "install")]
    history = staff_client.get(url(integration)).content.decode()
    assert "Rolled back to revision 1" in history and "Show the change" in history


def test_a_stale_rollback_does_nothing_and_says_why(staff_client: Client, integration):
    staff_client.post(
        url(integration), edit(integration, renamed(integration.blueprint), action="save")
    )

    response = staff_client.post(
        url(integration, "blueprint_rollback", 1), {"revision": 1}, follow=True
    )

    assert "Nothing done: someone saved revision 2" in response.content.decode()
    assert Integration.objects.get().blueprint_revision == 2


def test_a_read_only_user_can_preview_but_not_save(db, integration):
    viewer = User.objects.create_user("viewer", password="pw-12345678", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_integration"))
    client = Client()
    client.force_login(viewer)

    page = client.get(url(integration))
    preview = client.post(
        url(integration), edit(integration, renamed(integration.blueprint), action="preview")
    )
    save = client.post(
        url(integration), edit(integration, renamed(integration.blueprint), action="save")
    )
    rollback = client.post(url(integration, "blueprint_rollback", 1), {"revision": 1})

    assert page.status_code == 200 and "Read-only access" in page.content.decode()
    assert preview.status_code == 200
    assert save.status_code == 403 and rollback.status_code == 403
    assert Integration.objects.get().blueprint_revision == 1


def test_recent_real_events_are_offered_as_preview_samples(staff_client: Client, integration):
    from delivery.models import Delivery, Event
    from tests.delivery.helpers import accept

    source = accept({"messageId": "m-1", "type": "track", "event": "Checkout Started"})
    event = Event.objects.get(source=source)
    Delivery.objects.create(event=event, integration=integration)

    choices = staff_client.get(url(integration)).context["preview"]["choices"]

    assert any(
        c["key"] == f"event:{event.pk}" and "Checkout Started" in c["label"] for c in choices
    )


def test_a_nul_in_the_json_is_refused_at_its_field_never_a_500(staff_client: Client, integration):
    text = blueprints.pretty(integration.blueprint | {"description": "a\u0000b"})

    response = staff_client.post(url(integration), edit(integration, text, action="save"))

    assert response.status_code == 400
    [error] = response.context["errors"]
    assert error["path"] == "description" and "NUL" in error["message"]


def test_a_received_event_with_a_huge_number_previews_as_fan_out_maps_it(
    staff_client: Client, integration
):
    from delivery.models import Delivery, Event
    from tests.delivery.helpers import accept

    big = {"messageId": "m-big", "type": "track", "event": "Big", "properties": {"n": 1e20}}
    event = Event.objects.get(source=accept(big))
    Delivery.objects.create(event=event, integration=integration)

    response = staff_client.post(
        url(integration),
        {
            "sample": f"event:{event.pk}",
            "action": "preview",
            "revision": 1,
            "blueprint": blueprints.pretty(integration.blueprint),
        },
    )

    assert response.status_code == 200
    assert response.context["preview"]["saved"]["decision"] in ("deliver", "suppressed")
