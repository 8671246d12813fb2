"""The Celery app: Redis in the distributed mode, an in-process broker standalone."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

from signal_admin import broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "signal_admin.settings")

# Before any connection is made: redis:// URLs get the transport that survives a restart.
broker.install()
app = Celery("signal_admin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_connections(**kwargs) -> None:
    """As Django does around a request: a connection that broke (the database restarted) or
    outlived CONN_MAX_AGE is closed, so the next query connects afresh."""
    from django.db import close_old_connections as close

    close()
