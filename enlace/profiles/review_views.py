"""The review of a profile by each buyer, one URL per step: the company's people submit it to a
buyer and read that buyer's review; a buyer's admins approve it, reject it or ask for changes
(its members read the review only)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enlace.lib.errors import DomainError
from enlace.lib.forms import TextField
from enlace.partners.models import Partner
from enlace.profiles import access, questionnaires, reviews
from enlace.profiles.question_forms import answers_form
from enlace.profiles.views import company_person_required


def _buyer(company, organization_id):
    """The company's supplier record at the buyer `organization_id`; 404 for an organization
    that does not have the company as supplier."""
    partner = (
        Partner.objects.select_related("organization")
        .filter(company=company, kind=Partner.Kind.SUPPLIER, organization_id=organization_id)
        .first()
    )
    if partner is None:
        raise Http404
    return partner


@company_person_required
def buyer_review(request, company, organization_id):
    """One buyer's review as the company's people read it: its state, the comments to address,
    the buyer's questions to answer, its timeline, and the button to submit."""
    return buyer_review_page(request, company, _buyer(company, organization_id))


def buyer_review_page(request, company, partner, *, answers=None, status=200):
    """The buyer's review page (`answers`: the answers form as sent, when refused)."""
    review = reviews.review_of(organization=partner.organization, company=company)
    context = {
        "company": company,
        "buyer": reviews.BuyerReview(partner, review),
        "review": review,
        "comments": reviews.latest_comments(review),
        "timeline": reviews.timeline(review),
        "answers_form": answers or answers_form(company, partner.organization),
        "missing": questionnaires.missing_required(organization=partner.organization, company=company),
        "max_size": settings.DOCUMENTS_MAX_UPLOAD_BYTES,
    }
    return render(request, "profiles/buyer_review.html", context, status=status)


@require_POST
@company_person_required
def submit_to_buyer(request, company, organization_id):
    partner = _buyer(company, organization_id)
    try:
        review = reviews.submit_profile(organization=partner.organization, company=company, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(buyer)s received version %(number)s of the profile for review.")
            % {"number": review.version.number, "buyer": partner.organization.name},
        )
    return redirect("profiles:buyer_review", organization_id=partner.organization_id)


def _supplier_for_admin(request, pk):
    """The buyer's supplier `pk` (404 for any other) for one of the buyer's admins (403 for a
    member)."""
    partner = access.supplier_of(request.membership, pk) if request.user.is_authenticated else None
    if partner is None:
        raise Http404
    if not request.membership.is_admin:
        raise PermissionDenied
    return partner


def _decided(request, partner, decide, done_message, **arguments):
    try:
        decide(organization=request.organization, company=partner.company, by=request.user, **arguments)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done_message)
    return redirect("profiles:supplier_profile", pk=partner.pk)


@require_POST
def approve(request, pk):
    partner = _supplier_for_admin(request, pk)
    return _decided(request, partner, reviews.approve_profile, _("The profile was approved."))


@require_POST
def reject(request, pk):
    partner = _supplier_for_admin(request, pk)
    return _decided(
        request,
        partner,
        reviews.reject_profile,
        _("The profile was rejected."),
        reason=request.POST.get("reason", ""),
    )


class ChangesForm(forms.Form):
    """A comment box per field of the profile; the ones left blank are not sent."""

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in questionnaires.review_fields(organization).items():
            self.fields[key] = TextField(
                label=label,
                required=False,
                max_length=reviews.COMMENT_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2}),
            )


def request_changes(request, pk):
    partner = _supplier_for_admin(request, pk)
    form = ChangesForm(request.POST if request.method == "POST" else None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        try:
            reviews.request_changes(
                organization=request.organization,
                company=partner.company,
                by=request.user,
                comments=form.cleaned_data,
            )
        except DomainError as error:
            form.add_error(
                error.extra.get("field") if error.extra.get("field") in form.fields else None, error.message
            )
        else:
            messages.success(
                request, _("The changes were requested; the supplier's people were told by email.")
            )
            return redirect("profiles:supplier_profile", pk=partner.pk)
    review = reviews.review_of(organization=request.organization, company=partner.company)
    return render(
        request, "profiles/request_changes.html", {"partner": partner, "form": form, "review": review}
    )
