"""Installed integrations, sources (write keys) and Management API tokens."""

import hashlib
import hmac
import secrets
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from integrations.crypto import EncryptedJSONField


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Source(models.Model):
    """Where events come from; its write key authenticates the collection API.

    Its kind says whose address a request comes from: a browser's or a phone's (taken as
    the event's `context.ip` when the event has none), or a back end's (never taken: it
    would put every user in the data centre).
    """

    BROWSER, MOBILE, SERVER = "browser", "mobile", "server"
    KINDS = [(BROWSER, "Browser"), (MOBILE, "Mobile app"), (SERVER, "Server")]

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=KINDS, default=BROWSER)
    write_key = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.write_key:
            self.write_key = secrets.token_urlsafe(24)
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A Management API bearer token. Only its SHA-256 is stored."""

    name = models.CharField(max_length=100, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    @classmethod
    def issue(cls, name: str) -> tuple["ApiToken", str]:
        """Create a token; the plaintext is returned once and never stored."""
        plaintext = "sig_" + secrets.token_urlsafe(32)
        return cls.objects.create(name=name, token_hash=_hash(plaintext)), plaintext

    @classmethod
    def authenticate(cls, plaintext: str) -> "ApiToken | None":
        digest = _hash(plaintext)
        token = cls.objects.filter(token_hash=digest, revoked_at__isnull=True).first()
        # The lookup is by hash; the constant-time compare guards the final equality anyway.
        if token is None or not hmac.compare_digest(token.token_hash, digest):
            return None
        cls.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])

    def __str__(self) -> str:
        return self.name


class Integration(models.Model):
    """An installed destination: its config, encrypted secrets and own blueprint copy."""

    DELIVERY_MODES = [("server_side", "Server side")]

    catalog_key = models.CharField(max_length=50)
    variant = models.CharField(max_length=50)
    name = models.CharField(max_length=100)
    config = models.JSONField(default=dict)
    secrets = EncryptedJSONField(default=dict, blank=True)
    blueprint = models.JSONField(default=dict)
    blueprint_version = models.CharField(max_length=20)
    # The number of the BlueprintRevision `blueprint` holds; the API's ETag is made of it.
    blueprint_revision = models.PositiveIntegerField(default=1)
    delivery_mode = models.CharField(max_length=20, choices=DELIVERY_MODES, default="server_side")
    enabled = models.BooleanField(default=True)
    # Set when the destination refused our credentials; deliveries wait until it is cleared.
    auth_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        """Delete it and everything it owns, once no fan-out is writing rows for it.

        The delivery table has no foreign-key constraints (they cost its inserts too much), so
        nothing in the database stops a fan-out that read this integration from inserting
        rows for it after the cascade has collected its deliveries. Fan-outs hold the
        integrations they map for (FOR KEY SHARE, skipping locked ones): locking the row
        first waits for those to commit, so the cascade sees their rows, and fan-outs from
        then on leave it out (a deletion that fails leaves it without what they fanned out).
        Its row is locked before its deliveries'; the sender writes them in that order too.
        """
        with transaction.atomic():
            list(type(self).objects.select_for_update().filter(pk=self.pk).values_list("pk"))
            return super().delete(*args, **kwargs)

    @property
    def destination(self):
        from integrations.catalog import get_destination

        return get_destination(self.catalog_key)

    def full_config(self) -> dict[str, Any]:
        """Plain and secret fields together: for the transform and the client only."""
        return {**self.config, **self.secrets}


class BlueprintRevision(models.Model):
    """One saved state of an integration's blueprint: what it was, who saved it, when, why.

    Revision 1 is the variant's shipped blueprint, stored at install; every save, rollback
    and reset adds the next number. Saving applies to events received from then on:
    deliveries already built keep the payload they were built with.
    """

    INSTALL, EDIT, ROLLBACK, RESET = "install", "edit", "rollback", "reset"
    KINDS = [
        (INSTALL, "Installed"),
        (EDIT, "Edited"),
        (ROLLBACK, "Rolled back"),
        (RESET, "Reset to shipped"),
    ]

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    blueprint = models.JSONField()
    blueprint_version = models.CharField(max_length=20)
    kind = models.CharField(max_length=10, choices=KINDS)
    author = models.CharField(max_length=150, blank=True, default="")
    comment = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "number"], name="one_revision_number_per_integration"
            )
        ]

    def __str__(self) -> str:
        return f"{self.integration_id} r{self.number}"
