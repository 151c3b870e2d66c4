import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models

from enlace.profiles.fields import DocumentKind


class ProfileVersion(models.Model):
    """One saved state of a company's profile, kept once for the whole network (per
    partners.Company) and never changed: each save by the company's people writes the next
    version. The newest version is the profile; the older ones are its history, which buyers
    read to see what changed.

    `data` holds the whole profile as the forms cleaned it (see profiles.fields for its shape).
    """

    company = models.ForeignKey("partners.Company", on_delete=models.CASCADE, related_name="profile_versions")
    number = models.PositiveIntegerField()
    data = models.JSONField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["company", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="one_profile_version_per_number")
        ]

    def __str__(self):
        return f"{self.company_id} v{self.number}"


def documents_storage():
    """Where documents' files are kept: the "documents" storage (a private directory by
    default, never served by URL; see docs/operations.md)."""
    return storages["documents"]


class Document(models.Model):
    """One uploaded file of a company's profile, with what the company said about it. Never
    changed but for its reminders: a replacement is a new Document, and the profile's versions
    list the ones they hold (by `public_id`), so an old version's file stays readable.

    The file is stored under a random name; people reach it only through the view that checks
    who they are (profiles.document_views.document_file), by `public_id`.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    company = models.ForeignKey("partners.Company", on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=30, choices=DocumentKind.choices)
    file = models.FileField(storage=documents_storage, max_length=200)
    name = models.CharField(max_length=120)  # the uploaded file's name, cleaned
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Set when a newer version of the profile no longer holds it (replaced or removed).
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # The shortest reminder already sent before expiry (days: 30, then 7); null: none yet.
    reminded_days = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["expires_on"], name="current_document_expiry", condition=models.Q(withdrawn_at=None)
            )
        ]

    def __str__(self):
        return f"{self.company_id} {self.kind} {self.public_id}"

    def expired_on(self, day) -> bool:
        return self.expires_on is not None and self.expires_on < day
