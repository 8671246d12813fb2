"""The Celery app: Redis in the distributed mode, an in-process broker standalone."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "signal_admin.settings")

app = Celery("signal_admin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
