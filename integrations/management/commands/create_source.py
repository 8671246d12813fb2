from django.core.management.base import BaseCommand, CommandError

from integrations.models import Source


class Command(BaseCommand):
    help = "Create a source and print its write key (the collection API's Basic username)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")
        parser.add_argument(
            "--kind",
            choices=[kind for kind, _ in Source.KINDS],
            default=Source.BROWSER,
            help="browser and mobile sources take the client IP from the connection; "
            "server sources never do (default: browser)",
        )

    def handle(self, *args, name: str, kind: str, **options) -> None:
        if Source.objects.filter(name=name).exists():
            raise CommandError(f"A source named {name!r} exists.")
        self.stdout.write(Source.objects.create(name=name, kind=kind).write_key)
