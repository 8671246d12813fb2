import cProfile
import io
import pstats
import time
import uuid
from datetime import UTC, datetime

import pytest

from delivery import outbox, sender
from delivery.models import Delivery, Event
from integrations.models import Source
from tests.bench.test_fanout_bench import THIRD_PROJECT, empty_event_table
from tests.support.fake_mixpanel_remote import fake_mixpanel_process
from tests.support.fanout import MIXPANEL_PROJECTS, SECOND_PROJECT, install_mixpanel

pytestmark = [pytest.mark.django_db(transaction=True)]
N = 5000


def store(source, n):
    now = datetime.now(UTC)
    Event.objects.bulk_create(
        [
            Event(
                source=source,
                message_id=uuid.uuid4().hex,
                type="track",
                name="Product Viewed",
                received_at=now,
                payload={
                    "type": "track",
                    "event": "Product Viewed",
                    "anonymousId": f"a-{i % 500}",
                    "messageId": uuid.uuid4().hex,
                    "timestamp": now.isoformat(),
                    "properties": {"product_id": "p-1", "price": 10},
                    "context": {
                        "ip": "203.0.113.7",
                        "consent": {"categoryPreferences": {"analytics": True}},
                    },
                },
            )
            for i in range(n)
        ]
    )


def measure(label, fn, profile=False):
    prof = cProfile.Profile() if profile else None
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if prof:
        prof.enable()
    fn()
    if prof:
        prof.disable()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    d = Delivery.objects.count()
    print(
        f"\n=== {label}: wall {wall:.2f}s cpu {cpu:.2f}s; {d} deliveries: {1000 * cpu / d:.3f} ms cpu, {1000 * wall / d:.3f} ms wall each"
    )
    if prof:
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(30)
        print(s.getvalue()[:7000])


def fan():
    while outbox.fan_out_pending():
        pass


def send_all(integrations):
    def run():
        for i in integrations:
            sender.send_pending(i.id)

    return run


def test_profile(settings):
    import os

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:6379/13"]},
        }
    }
    settings.CELERY_BROKER_URL = "memory://"
    prof = os.environ.get("PROF") == "1"
    with fake_mixpanel_process(projects=[*MIXPANEL_PROJECTS, THIRD_PROJECT]) as fake:
        settings.MIXPANEL_API_URL = fake.url
        source = Source.objects.create(name="p")
        ones = [install_mixpanel("one", MIXPANEL_PROJECTS[0])]
        store(source, 500)
        fan()
        send_all(ones)()
        empty_event_table()
        store(source, N)
        measure("fan-out one", fan, prof)
        measure("send one", send_all(ones), prof)
        threes = ones + [
            install_mixpanel("two", SECOND_PROJECT),
            install_mixpanel("three", THIRD_PROJECT),
        ]
        empty_event_table()
        store(source, N)
        measure("fan-out three", fan, prof)
        measure("send three", send_all(threes), prof)
        assert Delivery.objects.filter(status="delivered").count() == 3 * N
