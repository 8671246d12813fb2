"""Re-encrypt every stored secret under the first of SIGNAL_ENCRYPTION_KEYS.

Rotation: put the new key first, keep the old ones after it, run this on one process, then
drop the old keys everywhere.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from integrations.models import Integration


class Command(BaseCommand):
    help = "Re-encrypt stored secrets under the first key of SIGNAL_ENCRYPTION_KEYS."

    def handle(self, *args, **options) -> None:
        count = 0
        with transaction.atomic():
            # Reading decrypts with any key; writing encrypts with the first one.
            # FOR NO KEY UPDATE: fan-outs holding the rows (FOR KEY SHARE) need not finish first.
            rows = Integration.objects.select_for_update(no_key=True).only("id", "secrets")
            for integration in rows:
                Integration.objects.filter(pk=integration.pk).update(secrets=integration.secrets)
                count += 1
        noun = "integration" if count == 1 else "integrations"
        self.stdout.write(f"Re-encrypted the secrets of {count} {noun} under the first key.")
