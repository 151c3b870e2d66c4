from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PortalUserManager(UserManager):
    def with_email(self, email: str):
        """Users whose email is `email`, whatever its case, found through the unique index on
        lower(email). `email__iexact` compiles to UPPER(email) on PostgreSQL, which no index
        serves, so every look-up would read the whole user table."""
        return self.annotate(email_lower=Lower("email")).filter(having_email(email))


def having_email(email: str) -> models.Q:
    """The condition of with_email(), for a queryset annotated with email_lower; the index
    leaves out empty emails, so the condition says so too (else the index is not used)."""
    return models.Q(email_lower=email.lower()) & ~models.Q(email="")


class User(AbstractUser):
    """A person who logs in: an organization's staff, or a partner's contact.

    Lifecycle: pending_activation -> active (activated by the emailed link) -> ready (first
    login done and the temporary password replaced).
    """

    class Profile(models.TextChoices):
        STAFF = "staff", _("Staff")
        CUSTOMER = "customer", _("Customer")
        SUPPLIER = "supplier", _("Supplier")

    class Status(models.TextChoices):
        PENDING_ACTIVATION = "pending_activation", _("Pending activation")
        ACTIVE = "active", _("Active")
        READY = "ready", _("Ready")

    profile = models.CharField(_("profile"), max_length=10, choices=Profile.choices, default=Profile.STAFF)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.READY)
    # The organization that brought this person in (for partner contacts) and the partner
    # they act for; staff reach their organizations through memberships instead.
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="portal_users",
        db_index=False,  # the (organization, profile, status) index serves its look-ups
    )
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    portal_enabled = models.BooleanField(_("enabled for the purchase portal"), default=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    language = models.CharField(_("preferred language"), max_length=2, blank=True)
    # A temporary password works once, and only until it expires; it must then be replaced.
    must_change_password = models.BooleanField(default=False)
    temporary_password_expires_at = models.DateTimeField(null=True, blank=True)
    temporary_password_used_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    objects = PortalUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), condition=~models.Q(email=""), name="one_user_per_email")
        ]
        indexes = [
            models.Index(fields=["organization", "profile", "status"]),
            # Declared here rather than with db_index=True, which on PostgreSQL adds a second
            # index for LIKE queries that no query makes: every user written updates both.
            models.Index(fields=["status"], name="accounts_user_status_idx"),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def has_temporary_password(self) -> bool:
        return self.temporary_password_expires_at is not None

    def temporary_password_is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.has_temporary_password
            and self.temporary_password_used_at is None
            and now < self.temporary_password_expires_at
        )

    def set_temporary_password(self, raw_password: str, *, expires_at) -> None:
        self.set_password(raw_password)
        self.must_change_password = True
        self.temporary_password_expires_at = expires_at
        self.temporary_password_used_at = None

    def mark_activated(self) -> None:
        self.status = self.Status.ACTIVE
        self.activated_at = timezone.now()

    def mark_ready(self) -> None:
        self.status = self.Status.READY
        self.must_change_password = False
        self.temporary_password_expires_at = None
        self.temporary_password_used_at = None
        self.ready_at = timezone.now()


class PasswordReset(models.Model):
    """One emailed "forgot password" link. Only the hash of its token is kept, with the random
    salt the token is derived from with the server's key (as an invitation's secret is), so the
    worker can write the email and a copy of the database opens nothing. Single use, short-lived;
    a new request replaces the user's unused links."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_resets")
    token_salt = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    language = models.CharField(max_length=2)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"password reset {self.pk} of {self.user_id}"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.used_at is None and now < self.expires_at
