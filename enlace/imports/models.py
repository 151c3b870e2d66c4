from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    """One uploaded file of customers, customer users or suppliers, and what became of it.

    Validation reads every row before anything is written: a batch with any error is
    `rejected` and changed nothing; an accepted one is `applied` in one transaction. `failed`
    means the apply itself broke (e.g. someone took an email between validation and apply),
    in which case nothing was written either. A large file waits `queued` for the worker, which
    moves it through `validating` and `applying` (its live counts are in enlace.imports.progress).
    """

    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customers")
        CUSTOMER_USERS = "customer_users", _("Customer users")
        SUPPLIERS = "suppliers", _("Suppliers")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        VALIDATING = "validating", _("Validating")
        APPLYING = "applying", _("Applying")
        REJECTED = "rejected", _("Rejected")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Failed")

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="import_batches"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(_("file"), max_length=255)
    # The file as uploaded, kept so that a rejected one can be handed back with its errors.
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.VALIDATING)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    invitations = models.PositiveIntegerField(_("invitations"), default=0)
    # A supplier row with Notify=1 whose person already holds a pending code keeps that code
    # unless the admin asks for fresh ones: a re-upload must not kill codes already emailed.
    resend_pending = models.BooleanField(_("send fresh codes to pending suppliers"), default=False)
    left_pending = models.PositiveIntegerField(_("left pending"), default=0)
    # [{row, column, key, value, code, params, message}]: each worded again from its code and
    # params in the reader's language (enlace.imports.wording); `column` and `message` are the
    # uploader's words, kept for what cannot be (file-level errors, errors stored before params).
    errors = models.JSONField(default=list, blank=True)
    # The worker's task for a large file, to notice when it failed without finishing the batch.
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # What the batch sent (new invitations, and pending codes resent or kept), so that the
    # campaign's funnel can be followed from the batch's page.
    sent_invitations = models.ManyToManyField(
        "invitations.Invitation", related_name="import_batches", blank=True
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.filename} ({self.status})"

    @property
    def slug(self) -> str:
        """The kind as it appears in URLs and commands (customer-users)."""
        return self.kind.replace("_", "-")

    @property
    def running(self) -> bool:
        """Waiting for the worker or being processed by it."""
        return self.status in RUNNING

    @property
    def error_count(self) -> int:
        return len(self.errors)


RUNNING = (ImportBatch.Status.QUEUED, ImportBatch.Status.VALIDATING, ImportBatch.Status.APPLYING)


def batch_error(
    *, code: str, message, row: int = 0, column: str = "", key: str = "", value="", params=None
) -> dict:
    """One entry of ImportBatch.errors: a cell of a row (its number, the column's label, the
    column's key and the value as written) or, with row 0, the file as a whole; its code and
    the parameters its wording takes. `message` is in the uploader's language."""
    return {
        "row": row,
        "column": column,
        "key": key,
        "value": value,
        "code": code,
        "params": params or {},
        "message": str(message),
    }
