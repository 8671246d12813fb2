"""Signal's own 404 and 500 pages, with the navigation, and the skip link."""

import pytest
from django.template.loader import render_to_string


@pytest.mark.django_db
def test_an_unknown_address_answers_a_branded_404_with_the_navigation(staff_client):
    response = staff_client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html
    assert 'class="sidebar"' in html and "Integrations" in html
    assert "Skip to content" in html


def test_the_500_page_renders_without_a_request_or_a_database():
    html = render_to_string("500.html")
    assert "Something went wrong" in html
    assert 'class="sidebar"' in html
    assert "Log out" not in html


@pytest.mark.django_db
def test_every_admin_page_starts_with_a_skip_link_to_the_content(staff_client):
    html = staff_client.get("/integrations/").content.decode()
    assert html.index('href="#content">Skip to content') < html.index('class="sidebar"')
    assert 'id="content"' in html
