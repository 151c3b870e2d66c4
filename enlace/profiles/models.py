from django.conf import settings
from django.db import models


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
