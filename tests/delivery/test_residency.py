"""Residency decides the host: EU and India projects get nothing on the US host."""

import pytest

from delivery.models import Delivery
from delivery.outbox import fan_out_pending
from delivery.sender import send_pending
from tests.delivery.helpers import accept, mixpanel, track

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("config", "region"),
    [({}, "us"), ({"eu_data_residency": True}, "eu"), ({"in_data_residency": True}, "india")],
)
def test_each_residency_reaches_only_its_own_host(fake_mixpanel_regions, config, region):
    integration = mixpanel("retail", **config)
    accept(track(), track(days_ago=10))
    fan_out_pending()
    send_pending(integration.id)
    assert Delivery.objects.filter(status="delivered").count() == 2
    for name in ("us", "eu", "india"):
        fake = getattr(fake_mixpanel_regions, name)
        paths = sorted(r["path"] for r in fake.received())
        assert paths == (["/import", "/track"] if name == region else [])
