"""Each buyer's review of a supplier's profile: the supplier submits its latest version to a
buyer; the buyer's admins approve it, reject it with a reason, or ask for changes with a comment
on each field concerned; a later change to a critical field sends an approval back to review.

Every move goes through profiles.review_lifecycle, writes a step of the review's timeline and an
audit event (which the API's webhooks hear of), and enqueues its emails in the same transaction.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_tasks import task

from enlace.accounts import links
from enlace.audit.models import AuditEvent
from enlace.audit.services import record
from enlace.invitations.funnel import Number, percent_of
from enlace.lib.errors import DomainError
from enlace.mail.rendering import Email
from enlace.organizations.models import Membership
from enlace.partners.models import Company, Partner
from enlace.profiles import questionnaires, review_lifecycle
from enlace.profiles.access import supplier_record
from enlace.profiles.fields import CRITICAL_FIELDS, REVIEW_FIELDS
from enlace.profiles.models import ProfileReview, ProfileVersion, ReviewComment, ReviewStep
from enlace.profiles.people import admins_of, people_of

State = ProfileReview.State
Step = ReviewStep.Action
REASON_LENGTH = 2000
COMMENT_LENGTH = 2000

# A review in any of these states was submitted to its buyer at least once.
SUBMITTED_AT_LEAST_ONCE = frozenset(
    {State.SUBMITTED, State.CHANGES_REQUESTED, State.APPROVED, State.REJECTED}
)
# The directory's filter value for them, beside one per state.
EVER_SUBMITTED = "ever_submitted"
REVIEW_FILTERS = [(EVER_SUBMITTED, _("Submitted at least once")), *State.choices]

AUDIT_ACTIONS = {
    Step.SUBMITTED: AuditEvent.Action.PROFILE_SUBMITTED,
    Step.APPROVED: AuditEvent.Action.PROFILE_APPROVED,
    Step.REJECTED: AuditEvent.Action.PROFILE_REJECTED,
    Step.CHANGES_REQUESTED: AuditEvent.Action.PROFILE_CHANGES_ASKED,
    Step.REOPENED: AuditEvent.Action.PROFILE_REOPENED,
}


@dataclass
class BuyerReview:
    """One buyer of the company (its supplier record there) and that buyer's review."""

    partner: Partner
    review: ProfileReview
    # The buyer's required questions the company has not answered.
    unanswered: int = 0

    @property
    def organization(self):
        return self.partner.organization

    @property
    def can_submit(self) -> bool:
        return review_lifecycle.allowed("submit", self.review.state)


def reviews_by_buyer(company: Company) -> list[BuyerReview]:
    """Every organization that has the company as supplier, with its review (a draft when the
    company never submitted to it) and how many of its required questions are unanswered, by
    the buyer's name; a few queries, however many buyers."""
    buyers = list(
        Partner.objects.filter(company=company, kind=Partner.Kind.SUPPLIER)
        .select_related("organization")
        .order_by("organization__name", "pk")
    )
    unanswered = questionnaires.missing_required_counts(
        company=company, organizations=[partner.organization for partner in buyers]
    )
    reviews = {
        review.organization_id: review
        for review in ProfileReview.objects.filter(company=company).select_related("version")
    }
    return [
        BuyerReview(
            partner,
            reviews.get(partner.organization_id)
            or ProfileReview(organization=partner.organization, company=company),
            unanswered.get(partner.organization_id, 0),
        )
        for partner in buyers
    ]


def with_review_state(partners, *, organization, state: str = ""):
    """The organization's suppliers annotated with `review_state`, the state of its review of
    each one's profile (None: a draft), in the same query; only those in `state` (one of
    REVIEW_FILTERS), if given."""
    reviews = ProfileReview.objects.filter(organization=organization, company=OuterRef("company"))
    partners = partners.annotate(review_state=Subquery(reviews.values("state")[:1]))
    if state == State.DRAFT:
        return partners.filter(Q(review_state__isnull=True) | Q(review_state=State.DRAFT))
    if state == EVER_SUBMITTED:
        return partners.filter(review_state__in=SUBMITTED_AT_LEAST_ONCE)
    return partners.filter(review_state=state) if state else partners


def review_funnel(*, organization, invited: int, directory_url: str) -> list[Number]:
    """The suppliers' onboarding after registration: how many submitted their profile to the
    organization at least once, and how many it approved, as percentages of `invited`; each
    links to the supplier directory (`directory_url`) filtered to exactly those suppliers. One
    query, counted from the (organization, state) index of the organization's reviews."""
    counts = (
        ProfileReview.objects.filter(organization=organization, state__in=SUBMITTED_AT_LEAST_ONCE)
        .order_by()
        .aggregate(submitted=Count("state"), approved=Count("state", filter=Q(state=State.APPROVED)))
    )
    stages = [
        ("submitted", pgettext_lazy("funnel", "Profile submitted"), EVER_SUBMITTED),
        ("approved", pgettext_lazy("funnel", "Profile approved"), State.APPROVED),
    ]
    return [
        Number(key, label, counts[key], percent_of(counts[key], invited), {"review": value}, directory_url)
        for key, label, value in stages
    ]


def review_of(*, organization, company) -> ProfileReview:
    """The organization's review of the company; an unsaved draft when there is none yet."""
    review = (
        ProfileReview.objects.select_related("version")
        .filter(organization=organization, company=company)
        .first()
    )
    return review or ProfileReview(organization=organization, company=company)


def timeline(review: ProfileReview) -> list[ReviewStep]:
    """The review's steps, oldest first, with who made them and their comments."""
    if review.pk is None:
        return []
    return list(review.steps.select_related("actor", "version").prefetch_related("comments"))


def last_approved_version(steps: list[ReviewStep]) -> ProfileVersion | None:
    """The version the buyer approved last (from the review's timeline), to compare with."""
    approvals = [step for step in steps if step.action == Step.APPROVED]
    return approvals[-1].version if approvals else None


def latest_comments(review: ProfileReview) -> list[ReviewComment]:
    """The comments of the last request for changes, while the supplier has them to address."""
    if review.pk is None or review.state != State.CHANGES_REQUESTED:
        return []
    step = review.steps.filter(action=Step.CHANGES_REQUESTED).order_by("-created_at", "-id").first()
    return list(step.comments.all()) if step else []


def _supplier(organization, company) -> Partner:
    partner = supplier_record(organization, company)
    if partner is None:
        raise DomainError("not_a_supplier", _("This company is not a supplier of this organization."))
    return partner


def _locked(organization, company) -> ProfileReview:
    """The review's row, locked for the move (written as a draft the first time)."""
    review, _created = ProfileReview.objects.get_or_create(organization=organization, company=company)
    return (
        ProfileReview.objects.select_for_update().select_related("organization", "company").get(pk=review.pk)
    )


def _check_admin(organization, by) -> None:
    """Only the buyer's admins decide (an API key acts for the organization: `by` is None)."""
    if by is None:
        return
    if not Membership.objects.filter(organization=organization, user=by, role=Membership.Role.ADMIN).exists():
        raise DomainError("admins_only", _("Only your organization's administrators review profiles."))


def _step(review, partner, action, *, by, reason="", comments=(), fields=()) -> ReviewStep:
    actor = by if by is not None and by.is_authenticated else None
    step = ReviewStep.objects.create(
        review=review, action=action, version=review.version, actor=actor, reason=reason, fields=list(fields)
    )
    ReviewComment.objects.bulk_create(
        ReviewComment(step=step, field=field, text=text) for field, text in comments
    )
    version = f", v{review.version.number}" if review.version else ""
    record(
        organization=review.organization,
        action=AUDIT_ACTIONS[action],
        actor=actor,
        partner=partner,
        detail=f"{review.company.name}{version}",
    )
    return step


@transaction.atomic
def submit_profile(*, organization, company: Company, by) -> ProfileReview:
    """The company sends the latest version of its profile to one of its buyers for review."""
    partner = _supplier(organization, company)
    version = ProfileVersion.objects.filter(company=company).first()
    if version is None:
        raise DomainError("empty_profile", _("Fill in the profile before submitting it."))
    missing = questionnaires.missing_required(organization=organization, company=company)
    if missing:
        raise DomainError(
            "questions_unanswered",
            _("Answer the required questions of %(buyer)s before submitting: %(questions)s")
            % {"buyer": organization.name, "questions": "; ".join(question.text for question in missing)},
            questions=[str(question.key) for question in missing],
        )
    review = _locked(organization, company)
    review_lifecycle.move(review, "submit")
    resubmitted = review.steps.filter(action=Step.CHANGES_REQUESTED).exists()
    review.version = version
    review.save()
    _notify_admins(_step(review, partner, Step.SUBMITTED, by=by), resubmitted=resubmitted)
    return review


@transaction.atomic
def approve_profile(*, organization, company: Company, by) -> ProfileReview:
    """The buyer approves the submitted version; the company's people are told."""
    _check_admin(organization, by)
    partner = _supplier(organization, company)
    review = _locked(organization, company)
    review_lifecycle.move(review, "approve")
    review.save()
    _notify_company(_step(review, partner, Step.APPROVED, by=by))
    return review


@transaction.atomic
def reject_profile(*, organization, company: Company, by, reason: str) -> ProfileReview:
    """The buyer rejects the submitted version, saying why; the company's people are told."""
    _check_admin(organization, by)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", _("Say why the profile is rejected."), field="reason")
    if len(reason) > REASON_LENGTH:
        raise DomainError(
            "too_long", _("Write at most %(max)s characters.") % {"max": REASON_LENGTH}, field="reason"
        )
    partner = _supplier(organization, company)
    review = _locked(organization, company)
    review_lifecycle.move(review, "reject")
    review.save()
    _notify_company(_step(review, partner, Step.REJECTED, by=by, reason=reason))
    return review


@transaction.atomic
def request_changes(*, organization, company: Company, by, comments: dict[str, str]) -> ProfileReview:
    """The buyer sends the profile back with a comment on each field to correct (`comments`:
    key of questionnaires.review_fields → text; blank ones are ignored, at least one is needed):
    the profile's fields and the buyer's questions."""
    _check_admin(organization, by)
    fields = questionnaires.review_fields(organization)
    unknown = sorted(set(comments) - set(fields))
    if unknown:
        raise DomainError("unknown_fields", _("Unknown profile fields."), field=unknown[0])
    kept = [(field, (comments[field] or "").strip()) for field in fields if field in comments]
    kept = [(field, text) for field, text in kept if text]
    if not kept:
        raise DomainError("comment_required", _("Comment on at least one field to request changes."))
    for field, text in kept:
        if len(text) > COMMENT_LENGTH:
            raise DomainError(
                "too_long", _("Write at most %(max)s characters.") % {"max": COMMENT_LENGTH}, field=field
            )
    partner = _supplier(organization, company)
    review = _locked(organization, company)
    review_lifecycle.move(review, "request_changes")
    review.save()
    _notify_company(_step(review, partner, Step.CHANGES_REQUESTED, by=by, comments=kept))
    return review


def reopen_after_critical_change(*, version: ProfileVersion, changes, by) -> list[ProfileReview]:
    """After a save: each buyer that approved the company reviews it again if the save changed a
    critical field (profiles.fields.CRITICAL_FIELDS), and its admins are told. Call it inside
    the save's transaction. Other changes keep the approvals."""
    critical = sorted(
        {change.review_field for change in changes} & CRITICAL_FIELDS, key=list(REVIEW_FIELDS).index
    )
    if not critical:
        return []
    approved = (
        ProfileReview.objects.select_for_update()
        .select_related("organization", "company")
        .filter(company=version.company, state=State.APPROVED)
    )
    reopened = []
    for review in approved:
        review_lifecycle.move(review, "reopen")
        review.version = version
        review.save()
        # A buyer that no longer lists the company still has its review reopened, naming no partner.
        partner = supplier_record(review.organization, review.company)
        _notify_admins(_step(review, partner, Step.REOPENED, by=by, fields=critical))
        reopened.append(review)
    return reopened


# --- emails -----------------------------------------------------------------------------------


def _notify_company(step: ReviewStep) -> None:
    """One email per registered person of the company (one per address)."""
    seen = set()
    for person in people_of(step.review.company).annotate(email_lower=Lower("email")):
        if person.email_lower not in seen:
            seen.add(person.email_lower)
            send_decision_notice.enqueue(step.pk, person.pk)


def _notify_admins(step: ReviewStep, **details) -> None:
    """One email per administrator of the buyer: a profile to review (submitted, or reopened)."""
    for admin in admins_of(step.review.organization):
        send_admin_notice.enqueue(step.pk, admin.pk, details)


def _zone_of(person) -> str:
    organization = links.organization_of(person)
    return organization.zone.key if organization else settings.TIME_ZONE


def decision_notice(step: ReviewStep, person) -> Email:
    """A buyer's decision on the profile, as one of the company's people reads it."""
    review = step.review
    return Email(
        template="profile-review-decided",
        to=person.email,
        language=links.language_of(person),
        context={
            "name": person.get_full_name() or person.username,
            "company_name": review.company.name,
            "buyer_name": review.organization.name,
            "decision": step.action,
            "reason": step.reason,
            "comments": list(step.comments.all()),
            "version": step.version.number if step.version else "",
            "review_url": settings.BASE_URL + reverse("profiles:buyer_review", args=[review.organization_id]),
        },
    )


def submitted_notice(step: ReviewStep, admin, *, resubmitted=False) -> Email:
    """A supplier submitted its profile to the admin's organization (again, after changes it
    was asked for, if `resubmitted`)."""
    return _to_admin(
        "profile-submitted",
        step,
        admin,
        buyer_name=step.review.organization.name,
        resubmitted=resubmitted,
    )


def reopened_notice(step: ReviewStep, admin) -> Email:
    """A critical change to a profile the admin's organization approved."""
    # Joined when the email is rendered, in the admin's language.
    fields = _joined([REVIEW_FIELDS[field] for field in step.fields if field in REVIEW_FIELDS])
    return _to_admin("profile-review-reopened", step, admin, fields=fields)


def _to_admin(template: str, step: ReviewStep, admin, **context) -> Email:
    """An email to a buyer's admin about a step of its review of a supplier's profile."""
    review = step.review
    partner = _supplier(review.organization, review.company)
    return Email(
        template=template,
        to=admin.email,
        language=links.language_of(admin),
        context={
            "name": admin.get_full_name() or admin.email,
            "company_name": partner.name,
            "version": step.version.number if step.version else "",
            "profile_url": settings.BASE_URL + reverse("profiles:supplier_profile", args=[partner.pk]),
            **context,
        },
    )


def _join(labels) -> str:
    return ", ".join(str(label) for label in labels)


_joined = lazy(_join, str)


def _steps():
    return ReviewStep.objects.select_related("review__organization", "review__company", "version")


def send_decision(step_id: int, person_id: int, *, attempt: int = 1, now=None) -> str:
    now = now or timezone.now()
    step = _steps().filter(pk=step_id).first()
    # Someone disabled meanwhile (or no longer the company's) is told nothing.
    person = people_of(step.review.company).filter(pk=person_id).first() if step else None
    if step is None or person is None:
        return "skipped"
    return links.send_email(
        lambda: decision_notice(step, person),
        what=f"Profile review decision {step_id} to {person_id}",
        attempt=attempt,
        retry=lambda attempt: send_decision_notice.using(run_after=links.run_after(attempt, now)).enqueue(
            step_id, person_id, attempt + 1
        ),
    )


# What a buyer's admin is told of each kind of step.
ADMIN_NOTICES = {Step.SUBMITTED: submitted_notice, Step.REOPENED: reopened_notice}


def send_to_admin(step_id: int, admin_id: int, details=None, *, attempt: int = 1, now=None) -> str:
    now = now or timezone.now()
    step = _steps().filter(pk=step_id).first()
    # An admin who left the organization meanwhile is told nothing.
    admin = admins_of(step.review.organization).filter(pk=admin_id).first() if step else None
    if step is None or admin is None:
        return "skipped"
    return links.send_email(
        lambda: ADMIN_NOTICES[step.action](step, admin, **(details or {})),
        what=f"Profile review {step.action} {step_id} to {admin_id}",
        attempt=attempt,
        retry=lambda attempt: send_admin_notice.using(run_after=links.run_after(attempt, now)).enqueue(
            step_id, admin_id, details, attempt + 1
        ),
    )


@task()
def send_decision_notice(step_id: int, person_id: int, attempt: int = 1) -> str:
    return send_decision(step_id, person_id, attempt=attempt)


@task()
def send_admin_notice(step_id: int, admin_id: int, details=None, attempt: int = 1) -> str:
    return send_to_admin(step_id, admin_id, details, attempt=attempt)


@task()
def send_reopened_notice(step_id: int, admin_id: int, attempt: int = 1) -> str:
    # Queued by earlier releases; kept so that their emails are still sent after an upgrade.
    return send_to_admin(step_id, admin_id, attempt=attempt)


def review_payload(*, organization, company) -> dict:
    """The organization's review of the company as the API and the webhooks tell it: its state,
    the version it is about, the profile's latest version, and its timeline."""
    review = review_of(organization=organization, company=company)
    latest = ProfileVersion.objects.filter(company=company).values_list("number", flat=True).first()
    return {
        "review": {
            "state": review.state,
            "version": review.version.number if review.version else None,
            "updated_at": review.updated_at,
            "steps": [
                {
                    "action": step.action,
                    "version": step.version.number if step.version else None,
                    "at": step.created_at,
                    "reason": step.reason,
                    "fields": step.fields,
                    "comments": [
                        {"field": comment.field, "text": comment.text} for comment in step.comments.all()
                    ],
                }
                for step in timeline(review)
            ],
        },
        "profile": {"version": latest},
    }
