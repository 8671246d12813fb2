"""The Celery app: Redis in the distributed mode, an in-process broker standalone."""

import os

from celery import Celery

from signal_admin import broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "signal_admin.settings")

# Before any connection is made: redis:// URLs get the transport that survives a restart.
broker.install()
app = Celery("signal_admin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
