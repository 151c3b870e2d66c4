"""The company profile: its own people read and edit it (one URL per step); a buyer's staff read
it, with its history, from the supplier directory."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from enlace.profiles import access, questionnaires, reviews
from enlace.profiles.changes import changes_between
from enlace.profiles.documents import documents_context
from enlace.profiles.forms import BankAccountForm, CompanyForm, ContactForm, cleaned_items, item_formset
from enlace.profiles.models import ProfileVersion
from enlace.profiles.services import current_data, save_profile


def company_person_required(view):
    """The view needs a signed-in person of a supplier; it receives their company."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        company = access.company_of(request.user)
        if company is None:
            raise Http404
        return view(request, company, *args, **kwargs)

    return wrapped


def _history(company, *, masked=False):
    """Every version, newest first, each with its changes against the one before it."""
    versions = list(ProfileVersion.objects.filter(company=company).select_related("author"))
    history = []
    for index, version in enumerate(versions):
        previous = versions[index + 1] if index + 1 < len(versions) else None
        changes = changes_between(previous, version)
        if masked:
            changes = [access.masked_change(change) for change in changes]
        history.append({"version": version, "changes": changes})
    return history


@company_person_required
def overview(request, company):
    data = current_data(company)
    context = {
        "company": company,
        "data": data,
        "history": _history(company),
        "own": True,
        "buyers": reviews.reviews_by_buyer(company),
        **documents_context(data),
    }
    return render(request, "profiles/overview.html", context)


def _saved(request, company, **parts):
    version = save_profile(company=company, by=request.user, **parts)
    if version is None:
        messages.info(request, _("Nothing changed."))
    else:
        messages.success(
            request, _("Saved as version %(number)s of the profile.") % {"number": version.number}
        )
    return redirect("profiles:overview")


@company_person_required
def edit_company(request, company):
    data = current_data(company)
    form = CompanyForm(request.POST or None, initial=data, company=company)
    if request.method == "POST" and form.is_valid():
        return _saved(request, company, **form.cleaned_data)
    return render(request, "profiles/edit_company.html", {"form": form, "company": company})


def _edit_items(request, company, *, section, form_class, template):
    formset = item_formset(
        form_class,
        current_data(company)[section],
        country=company.country,
        data=request.POST if request.method == "POST" else None,
        prefix=section,
    )
    if request.method == "POST" and formset.is_valid():
        return _saved(request, company, **{section: cleaned_items(formset)})
    return render(request, template, {"formset": formset, "company": company})


@company_person_required
def edit_contacts(request, company):
    return _edit_items(
        request, company, section="contacts", form_class=ContactForm, template="profiles/edit_contacts.html"
    )


@company_person_required
def edit_bank_accounts(request, company):
    return _edit_items(
        request,
        company,
        section="bank_accounts",
        form_class=BankAccountForm,
        template="profiles/edit_bank_accounts.html",
    )


def _since(request, history, *, masked):
    """What changed from the version the buyer chose (?since=N) to the latest one."""
    numbers = {entry["version"].number: entry["version"] for entry in history}
    try:
        since = int(request.GET.get("since", ""))
    except ValueError:
        return {}
    if since not in numbers or not history:
        return {}
    changes = changes_between(numbers[since], history[0]["version"])
    if masked:
        changes = [access.masked_change(change) for change in changes]
    return {"since": since, "since_changes": changes}


def supplier_profile(request, pk):
    """A buyer's staff read the profile of one of their suppliers; any other page is not theirs."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    partner = access.supplier_of(request.membership, pk)
    if partner is None:
        raise Http404
    company = partner.company
    masked = access.masks_bank_numbers(request.membership)
    data = current_data(company)
    history = _history(company, masked=masked)
    review = reviews.review_of(organization=request.organization, company=company)
    timeline = reviews.timeline(review)
    context = {
        "review": review,
        "timeline": timeline,
        "approved_version": reviews.last_approved_version(timeline),
        "reviews_it": request.membership.is_admin,
        "questionnaire_answers": questionnaires.read_answers(
            organization=request.organization, company=company
        ),
        "partner": partner,
        "company": company,
        "data": access.masked(data) if masked else data,
        "history": history,
        "masked": masked,
        "own": False,
        **documents_context(data),
        **_since(request, history, masked=masked),
    }
    return render(request, "profiles/supplier_profile.html", context)
