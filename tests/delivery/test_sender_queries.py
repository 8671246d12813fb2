"""Sending a round costs a fixed number of queries, however many deliveries it carries."""

import pytest

from delivery.models import Delivery
from delivery.outbox import fan_out_pending
from delivery.sender import send_pending
from tests.delivery.helpers import accept, mixpanel, track


@pytest.mark.parametrize("answer", [200, 503])
@pytest.mark.parametrize("count", [5, 200])
def test_a_round_of_sends_makes_a_bounded_number_of_queries(
    db, mixpanel_at_fake, django_assert_max_num_queries, count, answer
):
    # given `count` events of one visitor (each a /track item), fanned out
    integration = mixpanel("retail")
    accept(*(track() for _ in range(count)))
    fan_out_pending()
    if answer != 200:
        mixpanel_at_fake.script(status=answer, body="unavailable", path="/track", times=1)
    # when they are sent, then the queries do not grow with the number of deliveries
    with django_assert_max_num_queries(20):
        send_pending(integration.id)
    status = "delivered" if answer == 200 else "retrying"
    assert Delivery.objects.filter(status=status).count() == count
