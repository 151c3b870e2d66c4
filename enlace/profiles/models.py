import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils.translation import gettext_lazy as _

from enlace.profiles.fields import REVIEW_FIELDS, DocumentKind

# The review field of a question of a buyer's questionnaire: this prefix, then its key.
QUESTION_FIELD = "question."


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


class ProfileReview(models.Model):
    """One buyer's review of a supplier's profile: per (buyer organization, company), the state
    its moves reached (see profiles.review_lifecycle) and the version it is about (the one last
    submitted, or approved). No row yet reads as a draft."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="profile_reviews"
    )
    company = models.ForeignKey("partners.Company", on_delete=models.CASCADE, related_name="profile_reviews")
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    version = models.ForeignKey(
        ProfileVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "company"], name="one_profile_review_per_buyer")
        ]
        # The directory's filter by state reads the organization's reviews of one state.
        indexes = [models.Index(fields=["organization", "state"], name="profile_review_state")]

    def __str__(self):
        return f"{self.organization_id}/{self.company_id}: {self.state}"


class ReviewStep(models.Model):
    """One move of a review, for its timeline: who, when, on which version, and why (a
    rejection's reason, the comments of a request for changes)."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        REOPENED = "reopened", _("Review needed again after a critical change")

    review = models.ForeignKey(ProfileReview, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=20, choices=Action.choices)
    version = models.ForeignKey(
        ProfileVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    # A reopening's critical fields (keys of profiles.fields.REVIEW_FIELDS) that changed.
    fields = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.review_id}: {self.action}"

    @property
    def field_labels(self) -> list[str]:
        return [str(REVIEW_FIELDS[field]) for field in self.fields if field in REVIEW_FIELDS]


class ReviewComment(models.Model):
    """A buyer's comment on one field of the profile (a key of profiles.fields.REVIEW_FIELDS),
    made with a request for changes."""

    step = models.ForeignKey(ReviewStep, on_delete=models.CASCADE, related_name="comments")
    field = models.CharField(max_length=50)
    text = models.TextField()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.field}: {self.text[:40]}"

    @property
    def label(self) -> str:
        if self.field.startswith(QUESTION_FIELD):
            # A question of the buyer's questionnaire: its latest wording.
            question = (
                Question.objects.filter(
                    organization=self.step.review.organization_id, key=self.field.removeprefix(QUESTION_FIELD)
                )
                .order_by("-version")
                .first()
            )
            return question.text if question else self.field
        return str(REVIEW_FIELDS.get(self.field, self.field))


class Question(models.Model):
    """One version of a question of a buyer's supplier questionnaire (see profiles.questionnaires).
    Never changed once answered: publishing an edit writes the next version (same `key`) and
    retires this one, so an answer keeps the wording it answered."""

    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        YES_NO = "yes_no", _("Yes or no")
        ONE_CHOICE = "one_choice", _("One choice")
        CHOICES = "choices", _("Several choices")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")
        FILE = "file", _("File")

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="questions"
    )
    # The same question across its versions.
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    version = models.PositiveIntegerField(default=1)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=300)
    help_text = models.CharField(max_length=300, blank=True)
    required = models.BooleanField(default=False)
    # The options of a choice question, in their order.
    choices = models.JSONField(default=list, blank=True)
    # Asked only of suppliers in any of these groups; none: of every supplier.
    groups = models.ManyToManyField("partners.PartnerGroup", blank=True, related_name="+")
    position = models.PositiveIntegerField(default=0)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)
    # Set when a newer version replaced it or the question was withdrawn.
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="one_question_version_per_number"),
            models.UniqueConstraint(
                fields=["key"], condition=models.Q(retired_at=None), name="one_current_question_version"
            ),
        ]
        indexes = [models.Index(fields=["organization", "retired_at"], name="current_questions")]

    def __str__(self):
        return f"{self.organization_id} {self.key} v{self.version}"

    @property
    def review_field(self) -> str:
        """Its key among the fields a buyer's review comments on."""
        return f"{QUESTION_FIELD}{self.key}"


class Answer(models.Model):
    """A company's answer to one of a buyer's questions (per question `key`), pointing to the
    version of the question it answered. `value` holds text, a boolean, a number (as text), an
    ISO date or a list of options, by the question's kind; for a file question, the file's
    cleaned name, type and size, the file itself being `file`.

    A file is stored under a random name, like a document's, and reached only through the views
    that check who asks (the company's people, the buyer's staff)."""

    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey("partners.Company", on_delete=models.CASCADE, related_name="answers")
    key = models.UUIDField()
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.JSONField()
    file = models.FileField(storage=documents_storage, max_length=200, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "company", "key"], name="one_answer_per_question")
        ]

    def __str__(self):
        return f"{self.company_id} {self.key}"
