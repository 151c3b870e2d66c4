import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from enlace.organizations.time_zones import usual_time_zone, validate_time_zone


class Organization(models.Model):
    """A company that uses Enlace: the tenant every page and query is scoped to."""

    class ActivationStyle(models.TextChoices):
        TEMPORARY_PASSWORD = "temporary_password", _("Temporary password in the email")
        LINK_ONLY = "link_only", _("Link only: the person sets a password")

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code, e.g. EC"))
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES, default="es")
    link_lifetime_hours = models.PositiveIntegerField(_("link lifetime (hours)"), default=48)
    code_lifetime_days = models.PositiveIntegerField(_("activation code lifetime (days)"), default=30)
    activation_style = models.CharField(
        _("activation style"),
        max_length=20,
        choices=ActivationStyle.choices,
        default=ActivationStyle.TEMPORARY_PASSWORD,
    )
    # Mail delivery (enlace.mail): a provider's sending limit, and when to remind unused invitations.
    mail_rate_per_minute = models.PositiveIntegerField(_("emails per minute"), null=True, blank=True)
    reminder_hours_before_expiry = models.PositiveIntegerField(
        _("reminder (hours before expiry, 0 for none)"), default=24
    )
    # A default in the database too: code that predates the column (a process not yet
    # restarted, an older migration's models) still inserts organizations.
    require_two_factor_for_admins = models.BooleanField(
        _("require two-factor sign-in for administrators"), default=False, db_default=False
    )
    # The zone of every time its people read: pages, emails, exports. Saved empty, it becomes
    # the country's usual zone (as it reads for a row inserted by code older than the column).
    time_zone = models.CharField(
        _("time zone"), max_length=64, validators=[validate_time_zone], default="", db_default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.time_zone:
            self.time_zone = usual_time_zone(self.country)
        super().save(*args, **kwargs)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone or usual_time_zone(self.country))

    @property
    def csv_delimiter(self) -> str:
        """What Excel opens as columns in the organization's language: `;` in Spanish, where the
        comma is the decimal separator, `,` in English."""
        return ";" if self.language == "es" else ","

    @property
    def link_lifetime(self) -> timedelta:
        return timedelta(hours=self.link_lifetime_hours)

    @property
    def code_lifetime(self) -> timedelta:
        return timedelta(days=self.code_lifetime_days)


class Membership(models.Model):
    """A staff user's place in an organization."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        MEMBER = "member", _("Member")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_membership_per_org")
        ]

    def __str__(self):
        return f"{self.user} @ {self.organization} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN
