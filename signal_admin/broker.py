"""Kombu's Redis transport, made to survive a Redis restart while a worker holds a task.

Why: with kombu 5.x, when Redis goes away (or restarts, empty) while a worker holds an
unacknowledged task, Celery closes the broken connection and reconnects. Closing its channel
first disconnects the channel's pools, then `QoS.restore_unacked_once()` tries to push the
held message back to Redis through a new pool built from `connection.client`, which is
already None: an AttributeError, not a connection error, so it escapes Celery's
`ignore_errors` and the worker exits ("Unrecoverable error"), with both the prefork and the
threads pools. Past that, the task still running finishes after the reconnect and acks
through its old, closed channel, whose `connection` is now None: another AttributeError, and
the worker exits all the same (tests/delivery/test_worker_redis_restart.py shows both).

The fix: when the channel's connection is gone (the channel or its transport detached), the
channel neither restores its unacked messages nor acks or rejects them: it only forgets them
locally, and logs it. A restore that meets a connection error is skipped the same way (an ack
that does is already logged, not raised, by Celery). With a live connection kombu behaves as
before.

Why that loses nothing: Signal's broker carries only wake-ups ("send for integration 7",
"fan out"). The deliveries themselves are rows in PostgreSQL, claimed under a lease
(delivery.lease) that a sender renews while it sends; the beat's sweep re-enqueues whatever
is due or orphaned every few seconds (delivery.outbox.sweep). A dropped message is therefore
re-created from the database, and a message restored twice is harmless, because the lease
keeps a row from being sent twice. A message left in Redis's unacked hash is restored
after the visibility timeout as usual.

Installed by `install()` (from signal_admin.celery, before the app is configured), which
points kombu's 'redis' and 'rediss' aliases at this module.
"""

import logging

from kombu.transport import TRANSPORT_ALIASES, virtual
from kombu.transport import redis as kombu_redis

log = logging.getLogger("signal.broker")
TRANSPORT = "signal_admin.broker:Transport"


def _connection_gone(channel: virtual.Channel) -> bool:
    """True once the channel's transport has been detached from its Connection."""
    transport = channel.connection
    return transport is None or transport.client is None


class QoS(kombu_redis.QoS):
    """Redis ack emulation that gives up quietly on a connection that is already gone."""

    def restore_unacked(self, client=None):
        if _connection_gone(self.channel):
            return self._forget_unacked("no client")
        try:
            return super().restore_unacked(client)
        except self.channel.connection_errors as exc:
            return self._forget_unacked(exc)

    def ack(self, delivery_tag) -> None:
        if _connection_gone(self.channel):
            self._forget(delivery_tag, "ack")
            return
        super().ack(delivery_tag)

    def reject(self, delivery_tag, requeue: bool = False) -> None:
        if _connection_gone(self.channel):
            self._forget(delivery_tag, "reject")
            return
        super().reject(delivery_tag, requeue=requeue)

    def _forget_unacked(self, reason: object) -> list:
        """Skip restoring the held messages; returns the "unrestored" list kombu expects
        (empty: nothing needs an emergency dump, Redis and the database keep the rest)."""
        log.warning(
            "broker connection gone (%s): not restoring %d unacked message(s); the sweep "
            "re-enqueues their deliveries from the database",
            reason,
            len(self._delivered),
        )
        self._delivered.clear()
        return []

    def _forget(self, delivery_tag, action: str) -> None:
        """Drop the message from this channel's bookkeeping only (the base class's ack)."""
        log.warning("broker connection gone: %s of message %s dropped", action, delivery_tag)
        virtual.QoS.ack(self, delivery_tag)


class Channel(kombu_redis.Channel):
    QoS = QoS


class Transport(kombu_redis.Transport):
    Channel = Channel


def install() -> None:
    """Make 'redis://' and 'rediss://' broker URLs use this transport."""
    TRANSPORT_ALIASES["redis"] = TRANSPORT
    TRANSPORT_ALIASES["rediss"] = TRANSPORT
