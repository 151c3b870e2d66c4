from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One state change of a user (their two-factor sign-in too) or an invitation: who did what,
    when. Never updated.

    Its keys are not foreign-key constraints in the database (db_constraint=False): only Enlace
    writes events, always in the transaction that wrote or changed what they name, and deleting
    what they name still deletes or clears them (Django applies on_delete itself, constraint or
    not). A constraint check costs the database about as much as the event's own insert, and a
    customer-users import writes an event per person. What the database no longer stops: an
    admin deleted while one of their imports is still being written leaves its events naming
    nobody (the pages show no actor).
    """

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        QUEUED = "queued", _("Email queued")
        SENT = "sent", _("Email sent")
        FAILED = "failed", _("Email failed")
        RESENT = "resent", _("Resent")
        RENEWED = "renewed", _("Renewed")
        REGISTERED = "registered", _("Registered")
        ACTIVATED = "activated", _("Activated")
        READY = "ready", _("Ready")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")
        LOCKED = "locked", _("Locked after failed attempts")
        REMINDED = "reminded", _("Reminder sent")
        PASSWORD_RESET = "password_reset", _("Password reset")
        USER_DISABLED = "user_disabled", _("Disabled")
        USER_ENABLED = "user_enabled", _("Enabled again")
        PASSWORD_RESET_SENT = "password_reset_sent", _("Password reset link sent by an administrator")
        USER_EDITED = "user_edited", _("Details changed")
        TWO_FACTOR_ENABLED = "two_factor_enabled", _("Two-factor sign-in turned on")
        TWO_FACTOR_DISABLED = "two_factor_disabled", _("Two-factor sign-in turned off")
        TWO_FACTOR_RESET = "two_factor_reset", _("Two-factor sign-in reset")
        RECOVERY_CODES_NEW = "recovery_codes_new", _("New recovery codes")
        RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        EMAIL_CHANGE_ASKED = "email_change_asked", _("Email change asked, confirmation link sent")
        EMAIL_CHANGED = "email_changed", _("Email changed")
        OTHER_SESSIONS_ENDED = "sessions_ended", _("Signed out of other sessions")
        PROFILE_CHANGED = "profile_changed", _("Company profile changed")
        BANK_ACCOUNTS_CHANGED = "bank_changed", _("Company bank accounts changed")
        PROFILE_SUBMITTED = "profile_submitted", _("Company profile submitted for review")
        PROFILE_APPROVED = "profile_approved", _("Company profile approved")
        PROFILE_REJECTED = "profile_rejected", _("Company profile rejected")
        PROFILE_CHANGES_ASKED = "profile_changes", _("Changes to the company profile requested")
        PROFILE_REOPENED = "profile_reopened", _("Company profile back to review after a critical change")
        QUESTIONS_PUBLISHED = "questions_published", _("Supplier questionnaire published")
        QUESTIONS_ANSWERED = "questions_answered", _("Supplier questionnaire answered")
        SUPPLIER_FILE_READ = "supplier_file_read", _("Supplier's file downloaded")

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="audit_events",
        db_constraint=False,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="audit_events",
        db_constraint=False,
    )
    invitation = models.ForeignKey(
        "invitations.Invitation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="audit_events",
        db_constraint=False,
    )
    # The supplier a review of its profile is about.
    partner = models.ForeignKey(
        "partners.Partner",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="audit_events",
        db_constraint=False,
    )
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"
