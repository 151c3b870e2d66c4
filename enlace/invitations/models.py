from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InvitationQuerySet(models.QuerySet):
    def for_organization(self, organization):
        return self.filter(organization=organization)

    def pending(self):
        return self.filter(state__in=Invitation.PENDING_STATES)


class Invitation(models.Model):
    """An offer to one email address to join as a partner's user, carrying one secret.

    The secret (a link token or an activation code) is never stored: only its SHA-256 hash
    and the salt it was derived from (see invitations.secrets). Resending draws a new salt and
    bumps the generation, which kills the old secret and gives the email a new Message-ID.
    """

    class Kind(models.TextChoices):
        # A portal user created by an admin activates with a link (and a temporary password).
        ACTIVATION = "activation", _("Account activation")
        # A person imported for a customer registers through a link.
        REGISTRATION = "registration", _("Registration link")
        # A supplier company's person registers with a typed activation code.
        SUPPLIER_CODE = "supplier_code", _("Supplier activation code")

    class State(models.TextChoices):
        CREATED = "created", _("Created")
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        REGISTERED = "registered", _("Registered")
        ACTIVATED = "activated", _("Activated")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    # Not used yet, and not ended: the link or code still works until it expires. The moves
    # between states are declared in enlace.invitations.lifecycle.
    PENDING_STATES = (State.CREATED, State.QUEUED, State.SENT, State.FAILED)

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="invitations",
        db_index=False,  # the indexes that start with organization serve its look-ups
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.CREATED)
    partner = models.ForeignKey(
        "partners.Partner",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    email = models.EmailField(_("email"))
    first_name = models.CharField(_("first names"), max_length=150, blank=True)
    last_name = models.CharField(_("last names"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    language = models.CharField(max_length=2, default="es")

    secret_salt = models.CharField(max_length=64)
    secret_hash = models.CharField(max_length=64)  # unique: see Meta.constraints
    generation = models.PositiveIntegerField(default=1)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveIntegerField(default=0)

    sent_at = models.DateTimeField(null=True, blank=True)
    delivery_error = models.CharField(max_length=500, blank=True)
    delivery_attempts = models.PositiveIntegerField(default=0)
    # Set while a worker is sending this invitation's email (see enlace.invitations.delivery): a value
    # left behind by a dead worker means the message may have reached the server already.
    sending_at = models.DateTimeField(null=True, blank=True)
    interrupted_sends = models.PositiveSmallIntegerField(default=0)
    reminder_queued_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # A constraint rather than unique=True, which on PostgreSQL adds a second index for
            # LIKE queries that no query makes: every invitation written updates both.
            models.UniqueConstraint(fields=["secret_hash"], name="one_invitation_per_secret"),
        ]
        indexes = [
            # The home reads its counts from these indexes alone (index-only scans on PostgreSQL)
            # instead of every invitation's row; the partial ones stay small, and the rows an import
            # writes (created, not sent) enter only the first and the pending one.
            # By state (the list's filter); with kind and the columns the funnel counts by.
            models.Index(
                fields=["organization", "state", "kind"],
                include=["sent_at", "expires_at", "user_id", "delivery_error"],
                name="invitation_state_idx",
            ),
            models.Index(fields=["organization", "kind", "-created_at"]),
            # A search of Activation requests in one state: its newest matches walked in order,
            # read from this index alone, where a common word would fetch every matching row.
            models.Index(
                fields=["organization", "state", "-created_at", "-id"],
                include=["kind", "expires_at", "first_name", "last_name", "email"],
                name="invitation_state_newest_idx",
            ),
            models.Index(Lower("email"), name="invitation_email_idx"),
            # The failed deliveries to fix, latest first (the order of the home's rows: the id
            # breaks ties without sorting the rows of a bulk send that share a time).
            models.Index(
                fields=["organization", "-updated_at", "-id"],
                condition=models.Q(state="failed"),
                name="invitation_failed_idx",
            ),
            # The pending ones about to expire.
            models.Index(
                fields=["organization", "expires_at", "id"],
                condition=models.Q(state__in=["created", "queued", "sent", "failed"]),
                name="invitation_expiring_idx",
            ),
            # The weeks' invitations sent, and registrations with the time they took.
            models.Index(
                fields=["organization", "sent_at"],
                include=["kind"],
                condition=models.Q(sent_at__isnull=False),
                name="invitation_sent_idx",
            ),
            models.Index(
                fields=["organization", "used_at"],
                include=["kind", "created_at"],
                condition=models.Q(state__in=["registered", "activated"]),
                name="invitation_used_idx",
            ),
            # The people who activated their account (the funnel's last step).
            models.Index(
                fields=["user"],
                condition=models.Q(kind="activation", state="activated"),
                name="invitation_activated_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.email}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_pending(self) -> bool:
        return self.state in self.PENDING_STATES

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    def is_usable(self, now=None) -> bool:
        return self.is_pending and self.used_at is None and not self.is_expired(now)

    @property
    def message_id(self) -> str:
        """Stable per secret: a retry resends the same message, a resend makes a new one."""
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "enlace.localhost"
        return f"<invitation-{self.pk}-{self.generation}@{domain}>"


class SendingSchedule(models.Model):
    """When an organization with a sending rate may send its next message (shared by all workers).

    The earliest time of the next message advances by 60/rate seconds per message sent; a worker
    that finds it in the future defers the rest of its chunk until then instead of waiting.
    """

    organization = models.OneToOneField(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    next_at = models.DateTimeField()

    class Meta:
        db_table = "mail_sendingschedule"  # where it was created

    def __str__(self):
        return f"{self.organization_id} next at {self.next_at:%H:%M:%S}"


class ReplacedSecret(models.Model):
    """The hash of a link token or code that a resend (or a renewal) replaced, kept so that the
    person who holds it is told to use the latest email instead of reading that it never
    existed. It opens nothing: only its hash is stored, and it never matches a usable
    invitation (see enlace.invitations.lookup)."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="replaced_secrets")
    secret_hash = models.CharField(max_length=64)  # unique: see Meta.constraints
    replaced_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["secret_hash"], name="one_replaced_secret_per_hash")]

    def __str__(self):
        return f"{self.invitation_id} replaced at {self.replaced_at:%Y-%m-%d %H:%M}"
