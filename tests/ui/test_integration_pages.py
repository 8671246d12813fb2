import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from integrations.catalog import get_destination
from integrations.models import Integration
from signal_admin.web.services import install

SECRET = "s3cret-value-xyz-7781"
TOKEN = "abc123def456789"


@pytest.fixture
def integration(db) -> Integration:
    return install(
        get_destination("mixpanel"),
        name="Mixpanel",
        variant="retail",
        config={"project_token": TOKEN, "api_secret": SECRET, "eu_data_residency": True},
    )


def install_url(variant: str = "retail") -> str:
    return reverse("integrations:install", args=["mixpanel"]) + f"?variant={variant}"


def form_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "variant": "retail",
        "name": "Mixpanel",
        "project_token": TOKEN,
        "api_secret": SECRET,
        "data_residency": "eu_data_residency",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def page_urls(pk: int) -> list[str]:
    return [
        reverse("integrations:installed"),
        reverse("integrations:library"),
        reverse("integrations:install", args=["mixpanel"]),
        install_url(),
        reverse("integrations:detail", args=[pk]),
        reverse("integrations:edit", args=[pk]),
        reverse("integrations:delete", args=[pk]),
    ]


def test_the_installed_tab_shows_an_empty_state_pointing_to_the_library(staff_client):
    html = staff_client.get(reverse("integrations:installed")).content.decode()
    assert "No integrations installed yet" in html
    assert reverse("integrations:library") in html


def test_the_installed_tab_lists_integrations(staff_client, integration):
    html = staff_client.get(reverse("integrations:installed")).content.decode()
    assert reverse("integrations:detail", args=[integration.pk]) in html
    assert "Enabled" in html and "Retail" in html


def test_the_library_shows_mixpanel_with_its_category_badge_and_install_button(staff_client):
    html = staff_client.get(reverse("integrations:library")).content.decode()
    assert "Mixpanel" in html and "Analytics" in html and "alpha" in html
    assert reverse("integrations:install", args=["mixpanel"]) in html


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("?category=Analytics", True),
        ("?category=analytics", True),
        ("?category=Advertising", False),
        ("?q=mix", True),
        ("?q=MIXPANEL", True),
        ("?q=heap", False),
        ("?category=Analytics&q=zzz", False),
    ],
)
def test_the_library_filters_by_category_and_searches_by_name(staff_client, query, shown):
    html = staff_client.get(reverse("integrations:library") + query).content.decode()
    assert ('aria-label="Install Mixpanel"' in html) is shown
    assert ('class="empty-state is-hidden"' in html) is shown


def test_install_first_asks_for_a_variant(staff_client):
    html = staff_client.get(reverse("integrations:install", args=["mixpanel"])).content.decode()
    assert 'name="variant" value="retail"' in html
    assert "E-commerce event tracking with distinct_id matching." in html
    assert "Install Integration" not in html


def test_an_unknown_variant_sends_you_back_to_the_choice(staff_client):
    html = staff_client.get(install_url("nope")).content.decode()
    assert "Unknown variant" in html
    assert 'name="variant" value="b2b_saas"' in html


def test_an_unknown_destination_is_not_found(staff_client):
    assert staff_client.get(reverse("integrations:install", args=["nope"])).status_code == 404


def test_the_fields_form_has_masked_secret_residency_choice_help_and_advanced_section(
    staff_client,
):
    html = staff_client.get(install_url()).content.decode()
    assert 'type="password" name="api_secret"' in html
    for value in ("", "eu_data_residency", "in_data_residency"):
        assert f'type="radio" name="data_residency" value="{value}"' in html
    assert 'name="eu_data_residency"' not in html
    assert "Found in Project Settings &gt; Access Keys." in html
    assert "Where to find it" in html
    assert "<summary>Advanced</summary>" in html
    assert html.index('name="data_residency"') < html.index("<summary>Advanced</summary>")
    assert html.index("<summary>Advanced</summary>") < html.index('name="service_account_secret"')
    assert "Stored: leave blank" not in html
    assert 'name="name" value="Mixpanel"' in html
    assert ">Install Integration</button>" in html


def test_installing_creates_the_integration_and_opens_its_page(staff_client):
    response = staff_client.post(install_url(), form_data(), follow=True)
    integration = Integration.objects.get()
    assert response.redirect_chain[-1][0] == reverse("integrations:detail", args=[integration.pk])
    assert integration.variant == "retail"
    assert integration.config["eu_data_residency"] is True
    assert integration.secrets["api_secret"] == SECRET
    html = response.content.decode()
    assert "Mixpanel installed" in html
    assert "alpha · blueprint 0.1.0" in html


def test_install_with_a_missing_token_shows_an_inline_error_and_creates_nothing(staff_client):
    response = staff_client.post(install_url(), form_data(project_token=""))
    html = response.content.decode()
    assert response.status_code == 200
    assert not Integration.objects.exists()
    assert 'id="id_project_token-error"' in html
    assert "This field is required." in html
    assert SECRET not in html


def test_install_shows_catalog_rules_inline_too(staff_client):
    data = form_data(service_account_username="svc", name="  ")
    html = staff_client.post(install_url(), data).content.decode()
    assert "A service account needs both its username and its secret." in html
    assert '<details class="advanced" open>' in html
    assert not Integration.objects.exists()


def test_india_residency_is_one_choice_stored_as_the_api_config_keys(staff_client):
    staff_client.post(install_url(), form_data(data_residency="in_data_residency"))
    config = Integration.objects.get().config
    assert config["in_data_residency"] is True
    assert config["eu_data_residency"] is False


def test_an_install_error_keeps_what_was_typed_but_asks_for_the_secret_again(staff_client):
    html = staff_client.post(install_url(), form_data(name="")).content.decode()
    assert not Integration.objects.exists()
    assert f'name="project_token" value="{TOKEN}"' in html
    assert 'value="eu_data_residency" id="id_data_residency_1" checked>' in html
    assert SECRET not in html
    assert "Enter the API Secret again" in html
    assert 'aria-describedby="id_api_secret-retype"' in html
    assert '<input type="text" name="name" maxlength="100" autofocus' in html


def test_the_first_invalid_field_gets_the_focus(staff_client):
    html = staff_client.post(install_url(), form_data(project_token="")).content.decode()
    token_input = html.split('name="project_token"')[1].split(">")[0]
    assert "autofocus" in token_input
    assert html.count("autofocus") == 1


def test_the_stored_placeholder_shows_only_for_a_secret_that_is_stored(staff_client, integration):
    html = staff_client.get(reverse("integrations:edit", args=[integration.pk])).content.decode()
    api_secret = html.split('name="api_secret"')[1].split(">")[0]
    account_secret = html.split('name="service_account_secret"')[1].split(">")[0]
    assert "Stored: leave blank to keep it" in api_secret
    assert "placeholder" not in account_secret
    assert 'value="eu_data_residency"' in html


def test_the_detail_page_shows_the_config_but_masks_the_secret(staff_client, integration):
    html = staff_client.get(reverse("integrations:detail", args=[integration.pk])).content.decode()
    assert TOKEN in html
    assert "•••••• (stored)" in html
    assert 'data-field="data_residency">EU' in html
    assert "Retail" in html


def test_the_detail_page_shows_an_auth_error_banner(staff_client, integration):
    integration.auth_error = "Mixpanel answered 401: Invalid API secret"
    integration.save()
    html = staff_client.get(reverse("integrations:detail", args=[integration.pk])).content.decode()
    assert "refused the credentials" in html
    assert "Invalid API secret" in html


def test_edit_with_a_blank_secret_keeps_the_stored_one(staff_client, integration):
    url = reverse("integrations:edit", args=[integration.pk])
    html = staff_client.get(url).content.decode()
    assert "Leave blank to keep the stored secret." in html
    response = staff_client.post(url, form_data(variant=None, api_secret="", name="Shop Mixpanel"))
    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.name == "Shop Mixpanel"
    assert integration.secrets["api_secret"] == SECRET


def test_edit_replaces_the_secret_and_clears_the_auth_error(staff_client, integration):
    integration.auth_error = "401"
    integration.save()
    url = reverse("integrations:edit", args=[integration.pk])
    staff_client.post(url, form_data(variant=None, api_secret="new-secret", data_residency=""))
    integration.refresh_from_db()
    assert integration.secrets["api_secret"] == "new-secret"
    assert integration.config["eu_data_residency"] is False
    assert integration.auth_error == ""


def test_edit_errors_are_shown_inline_and_change_nothing(staff_client, integration):
    url = reverse("integrations:edit", args=[integration.pk])
    html = staff_client.post(
        url, form_data(variant=None, project_token="", name="")
    ).content.decode()
    assert 'id="id_project_token-error"' in html
    integration.refresh_from_db()
    assert integration.name == "Mixpanel"
    assert integration.config["project_token"] == TOKEN


def test_toggle_disables_and_enables(staff_client, integration):
    url = reverse("integrations:toggle", args=[integration.pk])
    staff_client.post(url)
    integration.refresh_from_db()
    assert integration.enabled is False
    staff_client.post(url)
    integration.refresh_from_db()
    assert integration.enabled is True


def test_toggle_requires_post(staff_client, integration):
    assert (
        staff_client.get(reverse("integrations:toggle", args=[integration.pk])).status_code == 405
    )


def test_delete_asks_for_confirmation_and_requires_post(staff_client, integration):
    url = reverse("integrations:delete", args=[integration.pk])
    html = staff_client.get(url).content.decode()
    assert "Delete Mixpanel?" in html
    assert Integration.objects.exists()
    response = staff_client.post(url)
    assert response.url == reverse("integrations:installed")
    assert not Integration.objects.exists()


def test_anonymous_users_are_redirected_to_login(db, integration):
    for url in page_urls(integration.pk):
        response = Client().get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")
    response = Client().post(reverse("integrations:toggle", args=[integration.pk]))
    assert response.url.startswith(reverse("login"))


def test_non_staff_users_are_refused(db, integration):
    visitor = Client()
    visitor.force_login(User.objects.create_user("visitor", password="pass-word-1234"))
    for url in page_urls(integration.pk):
        assert visitor.get(url).status_code == 403
    assert visitor.post(reverse("integrations:delete", args=[integration.pk])).status_code == 403
    assert Integration.objects.exists()


def test_the_secret_is_absent_from_every_page(staff_client, integration):
    pages = [staff_client.get(url).content.decode() for url in page_urls(integration.pk)]
    pages.append(staff_client.post(install_url(), form_data(project_token="")).content.decode())
    edit = reverse("integrations:edit", args=[integration.pk])
    pages.append(
        staff_client.post(edit, form_data(variant=None, project_token="")).content.decode()
    )
    assert pages and all(SECRET not in html for html in pages)


def test_the_login_page_is_branded_signal(db):
    html = Client().get(reverse("login")).content.decode()
    assert "<h1>Signal</h1>" in html
    assert "signal.css" in html


def test_logout_is_a_post_form_in_the_top_bar(staff_client):
    html = staff_client.get(reverse("integrations:installed")).content.decode()
    assert f'<form method="post" action="{reverse("logout")}"' in html
