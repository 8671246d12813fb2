"""Login throttling: repeated wrong passwords lock that username out from that address."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _attempt(client: Client, password: str):
    return client.post("/login/", {"username": "admin", "password": password})


def test_five_wrong_passwords_lock_the_user_out_even_with_the_right_one(staff_user, settings):
    # given
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _attempt(client, "wrong-guess").status_code == 200  # the form again
    assert _attempt(client, "wrong-guess").status_code == 429
    # when
    response = _attempt(client, "correct-horse-battery")
    # then
    assert response.status_code == 429
    assert b"Too many failed logins" in response.content
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_or_two_still_lets_the_right_one_in(staff_user):
    client = Client()
    _attempt(client, "wrong-guess")
    _attempt(client, "wrong-again")
    response = _attempt(client, "correct-horse-battery")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff_user.pk)


def test_another_address_is_not_locked_out(staff_user, settings):
    locked = Client(REMOTE_ADDR="198.51.100.1")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        _attempt(locked, "wrong-guess")
    other = Client(REMOTE_ADDR="198.51.100.2")
    assert _attempt(other, "correct-horse-battery").status_code == 302
