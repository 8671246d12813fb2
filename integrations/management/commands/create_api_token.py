from django.core.management.base import BaseCommand, CommandError

from integrations.models import ApiToken


class Command(BaseCommand):
    help = "Create a Management API token and print it once (only its hash is stored)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")

    def handle(self, *args, name: str, **options) -> None:
        if ApiToken.objects.filter(name=name).exists():
            raise CommandError(f"A token named {name!r} exists; revoke it or pick another name.")
        _, plaintext = ApiToken.issue(name)
        self.stdout.write(plaintext)
