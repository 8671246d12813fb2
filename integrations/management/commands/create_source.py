from django.core.management.base import BaseCommand, CommandError

from integrations.models import Source


class Command(BaseCommand):
    help = "Create a source and print its write key (the collection API's Basic username)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")

    def handle(self, *args, name: str, **options) -> None:
        if Source.objects.filter(name=name).exists():
            raise CommandError(f"A source named {name!r} exists.")
        self.stdout.write(Source.objects.create(name=name).write_key)
