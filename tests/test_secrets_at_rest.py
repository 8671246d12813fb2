import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.db import connection
from django.test import override_settings

from integrations.catalog import get_destination
from integrations.models import Integration
from signal_admin.web.services import install

CONFIG = {"project_token": "abc123def456789", "api_secret": "s3cret-value-xyz"}


@pytest.fixture
def integration(db) -> Integration:
    return install(get_destination("mixpanel"), name="Mixpanel", variant="retail", config=CONFIG)


def raw_secrets_column(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets FROM integrations_integration WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_the_secret_column_holds_no_plaintext(integration):
    raw = raw_secrets_column(integration.pk)
    assert "s3cret-value-xyz" not in raw
    assert "api_secret" not in raw
    assert Integration.objects.get(pk=integration.pk).secrets["api_secret"] == "s3cret-value-xyz"


def test_secrets_still_decrypt_after_a_key_rotation(integration, settings):
    old = settings.SIGNAL_ENCRYPTION_KEYS[0]
    new = Fernet.generate_key().decode()
    with override_settings(SIGNAL_ENCRYPTION_KEYS=[new, old]):
        rotated = Integration.objects.get(pk=integration.pk)
        assert rotated.secrets["api_secret"] == "s3cret-value-xyz"
        rotated.save()  # re-encrypts with the new first key
    with override_settings(SIGNAL_ENCRYPTION_KEYS=[new]):
        assert (
            Integration.objects.get(pk=integration.pk).secrets["api_secret"] == "s3cret-value-xyz"
        )


def test_the_secret_is_not_in_the_plain_config(integration):
    assert "api_secret" not in integration.config
    assert integration.config["project_token"] == "abc123def456789"


def test_rotate_encryption_keys_re_encrypts_under_the_new_first_key(integration, settings):
    # given: a new key put first, the old one kept for reading
    from io import StringIO

    from django.core.management import call_command

    old = settings.SIGNAL_ENCRYPTION_KEYS[0]
    new = Fernet.generate_key().decode()
    settings.SIGNAL_ENCRYPTION_KEYS = [new, old]
    out = StringIO()
    # when
    call_command("rotate_encryption_keys", stdout=out)
    # then: only the new key reads the column now, and the value is unchanged
    raw = raw_secrets_column(integration.pk)
    assert Fernet(new.encode()).decrypt(raw.encode())
    with pytest.raises(InvalidToken):
        Fernet(old.encode()).decrypt(raw.encode())
    settings.SIGNAL_ENCRYPTION_KEYS = [new]
    assert Integration.objects.get(pk=integration.pk).secrets["api_secret"] == "s3cret-value-xyz"
    assert "1 integration under the first key" in out.getvalue()
