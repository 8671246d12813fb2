import faulthandler

from django.conf import settings
from django.core.management.base import BaseCommand

from signal_admin import standalone


class Command(BaseCommand):
    help = "Run Signal standalone: web, API, websockets and a Celery worker in one process."

    def handle(self, *args, **options) -> None:
        # A crash (e.g. a segfault at shutdown) prints every thread's traceback to stderr.
        faulthandler.enable()
        for line in standalone.prepare():
            self.stdout.write(line)
        port = settings.SIGNAL_PORT
        worker, thread = standalone.start_worker()
        from delivery import sweeper

        sweeper_thread = sweeper.start_background()
        self.stdout.write(f"Signal is running on http://127.0.0.1:{port}/ (Ctrl-C stops it)")
        self.stdout.flush()
        try:
            standalone.serve(port)
        finally:
            sweeper.stop_background(sweeper_thread)
            standalone.stop_worker(worker, thread)
            self.stdout.write("Signal stopped.")
