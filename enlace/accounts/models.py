from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
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


class AccountManager(models.Manager):
    def with_email(self, email: str):
        return self.annotate(email_lower=Lower("email")).filter(email_lower=email.lower())


class Account(models.Model):
    """One person's sign-in: the email and the password they use in every organization that
    brought them in.

    Each organization knows the person through a User of its own (its username, the partner
    they act for, their status there); a User joins the account when the person accepts that
    organization's invitation with it, and from then on the account's Users share one password
    (User.save keeps them equal).
    """

    email = models.EmailField(_("email"), max_length=254)
    # The person's own choice (My account, or the language switch once signed in): it wins
    # over each organization's language for the pages and for the emails sent to them.
    language = models.CharField(_("preferred language"), max_length=2, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AccountManager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="one_account_per_email")]

    def __str__(self):
        return self.email

    def check_password(self, raw_password: str) -> bool:
        user = self.users.exclude(password__startswith="!").first()
        return user is not None and user.check_password(raw_password)


# What one sign-in shares across its organizations (the rest of a User is each organization's).
CREDENTIALS = (
    "password",
    "session_salt",
    "must_change_password",
    "temporary_password_expires_at",
    "temporary_password_used_at",
)


class User(AbstractUser):
    """A person as one organization knows them: an organization's staff, or a partner's contact.

    The same person in several organizations has a User in each, joined by their Account.
    Lifecycle in each organization: pending_activation -> active (activated by the emailed link)
    -> ready (first login done and the temporary password replaced).
    """

    class Profile(models.TextChoices):
        STAFF = "staff", _("Staff")
        CUSTOMER = "customer", _("Customer")
        SUPPLIER = "supplier", _("Supplier")

    class Status(models.TextChoices):
        PENDING_ACTIVATION = "pending_activation", _("Pending activation")
        ACTIVE = "active", _("Active")
        READY = "ready", _("Ready")

    # Unique per organization (a national ID is only one organization's name for a person),
    # not across them: the constraints below say so.
    username = models.CharField(_("username"), max_length=150, validators=[UnicodeUsernameValidator()])
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
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
    # Mixed into every session's check (with the password): a new one ends the sessions opened
    # before it ("sign out of other sessions"). Shared by the account's Users, as the password.
    session_salt = models.CharField(max_length=32, blank=True)

    objects = PortalUserManager()

    class Meta:
        constraints = [
            # Partner people: one per address and per username in each organization. Staff
            # (no organization of their own): one per address and per username.
            models.UniqueConstraint(
                "organization",
                Lower("email"),
                condition=~models.Q(email=""),
                name="one_user_per_email_per_org",
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email="") & models.Q(organization__isnull=True),
                name="one_staff_user_per_email",
            ),
            models.UniqueConstraint(fields=["organization", "username"], name="one_username_per_org"),
            models.UniqueConstraint(
                fields=["username"], condition=models.Q(organization__isnull=True), name="one_staff_username"
            ),
            models.UniqueConstraint(fields=["account", "organization"], name="one_user_per_account_per_org"),
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(organization__isnull=True),
                name="one_staff_user_per_account",
            ),
        ]
        indexes = [
            # Login and the look-ups by address across organizations.
            models.Index(Lower("email"), condition=~models.Q(email=""), name="accounts_user_email_lower_idx"),
            models.Index(fields=["username"], name="accounts_user_username_idx"),
            models.Index(fields=["organization", "profile", "status"]),
            # Declared here rather than with db_index=True, which on PostgreSQL adds a second
            # index for LIKE queries that no query makes: every user written updates both.
            models.Index(fields=["status"], name="accounts_user_status_idx"),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if self.account_id and (update_fields is None or set(update_fields) & set(CREDENTIALS)):
            # One password for the person, whichever organization's User changed it.
            User.objects.filter(account=self.account_id).exclude(pk=self.pk).update(
                **{field: getattr(self, field) for field in CREDENTIALS}
            )

    def _get_session_auth_hash(self, secret=None):
        # A session lives as long as the credentials it was opened with: Django checks each
        # request's session against this hash. A new password (changed, reset) or a new session
        # salt ends every session of the person, in every organization, but the one the caller
        # keeps with update_session_auth_hash. Without a salt the hash is Django's own.
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        value = self.password + (f":{self.session_salt}" if self.session_salt else "")
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    @property
    def chosen_language(self) -> str:
        """The language the person chose for themselves, or "" (the account is loaded with the
        signed-in user: PortalBackend.get_user)."""
        return self.account.language if self.account_id else ""

    def joins_existing_account(self) -> bool:
        """Whether this organization's invitation goes to a person who already has an account
        (from another organization): they accept it with that account's password."""
        if self.account_id is not None:
            return False
        if not hasattr(self, "_has_account_elsewhere"):
            self._has_account_elsewhere = Account.objects.with_email(self.email).exists()
        return self._has_account_elsewhere

    @staticmethod
    def look_up_accounts_elsewhere(users) -> None:
        """joins_existing_account() for many users in one query (a chunk of emails)."""
        users = [user for user in users if user.account_id is None]
        emails = {user.email.lower() for user in users}
        if not emails:
            return
        found = set(
            Account.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=emails)
            .values_list("email_lower", flat=True)
        )
        for user in users:
            user._has_account_elsewhere = user.email.lower() in found

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


class EmailedLink(models.Model):
    """A single-use, short-lived link emailed to a person. Only the hash of its token is kept,
    with the random salt the token is derived from with the server's key (as an invitation's
    secret is), so the worker can write the email and a copy of the database opens nothing
    (accounts.links)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    token_salt = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    language = models.CharField(max_length=2)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.used_at is None and now < self.expires_at


class PasswordReset(EmailedLink):
    """One emailed "forgot password" link. A new request replaces the user's unused links."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_resets")

    def __str__(self):
        return f"password reset {self.pk} of {self.user_id}"


class EmailChange(EmailedLink):
    """A new address a person asked for, waiting for the confirmation link emailed to it. A new
    request replaces the person's unused ones."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_changes")
    new_email = models.EmailField(max_length=254)

    def __str__(self):
        return f"email change {self.pk} of {self.user_id}"
