from django.core.management.base import BaseCommand, CommandError

from integrations.models import ApiToken


class Command(BaseCommand):
    help = "Revoke a Management API token by name."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")

    def handle(self, *args, name: str, **options) -> None:
        token = ApiToken.objects.filter(name=name, revoked_at__isnull=True).first()
        if token is None:
            raise CommandError(f"No active token named {name!r}.")
        token.revoke()
        self.stdout.write(f"Revoked {name}.")
