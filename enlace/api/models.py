import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    """A secret an organization's ERP presents as `Authorization: Bearer <key>`.

    Only the SHA-256 hash of the key is stored; the key itself is shown once, when it is
    created. The prefix (its first characters) is what lists show, so an admin can tell keys
    apart without seeing them. A revoked key stays listed for the record and never works again.
    """

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class WebhookEndpoint(models.Model):
    """A URL of the organization's that receives the events it subscribed to, signed with its
    own secret (HMAC-SHA256)."""

    class Event(models.TextChoices):
        INVITATION_SENT = "invitation.sent", _("Invitation sent")
        INVITATION_FAILED = "invitation.failed", _("Invitation failed")
        INVITATION_REGISTERED = "invitation.registered", _("Invitation registered")
        INVITATION_ACTIVATED = "invitation.activated", _("Invitation activated")
        PARTNER_REGISTERED = "partner.registered", _("Partner registered")
        SUPPLIER_SUBMITTED = "supplier.submitted", _("Supplier profile submitted for review")
        SUPPLIER_APPROVED = "supplier.approved", _("Supplier profile approved")
        SUPPLIER_REJECTED = "supplier.rejected", _("Supplier profile rejected")
        SUPPLIER_CHANGES_REQUESTED = (
            "supplier.changes_requested",
            _("Changes to a supplier profile requested"),
        )
        SUPPLIER_PROFILE_CHANGED = "supplier.profile_changed", _("Supplier profile changed")

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=64, default=secrets.token_hex)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.url

    def wants(self, event: str) -> bool:
        return self.is_active and event in self.events


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one endpoint, with the outcome of its last attempt."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["endpoint", "-created_at"])]

    def __str__(self):
        return f"{self.event} → {self.endpoint_id} ({self.state})"
