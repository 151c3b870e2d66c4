"""The organization's partners: the customer master (list, search, add) and the supplier
directory (list, search and filter with their network status, add one, invite one or many)."""

from functools import partial
from urllib.parse import urlsplit, urlunsplit

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from enlace.accounts.models import User
from enlace.accounts.supplier_invitations import SKIP_REASONS, invite_partner, invite_selected
from enlace.invitations.funnel import onboarding_funnel
from enlace.invitations.supplier_directory import STATUSES, status_of, supplier_directory
from enlace.lib.errors import DomainError
from enlace.organizations.decorators import staff_required
from enlace.partners.forms import PartnerForm
from enlace.partners.models import Partner, PartnerGroup
from enlace.partners.selectors import SEARCH_LIMIT, keyset_page, more_than_limit, search_partners
from enlace.partners.services import create_partner
from enlace.profiles.models import ProfileReview
from enlace.profiles.reviews import REVIEW_FILTERS, with_review_state


@staff_required
def group_detail(request, pk):
    """One partner group: its partners' onboarding, to follow a campaign by region or category."""
    group = get_object_or_404(PartnerGroup, pk=pk, organization=request.organization)
    return render(
        request,
        "partners/group_detail.html",
        {
            "group": group,
            "partners": group.partners.count(),
            "funnel": onboarding_funnel(organization=request.organization, filters={"group": group.pk}),
        },
    )


@staff_required
def customer_list(request):
    query = request.GET.get("q", "")
    customers = search_partners(
        organization=request.organization, kind=Partner.Kind.CUSTOMER, query=query, limit=SEARCH_LIMIT
    )
    page = Paginator(customers, 50).get_page(request.GET.get("page"))
    more = bool(query.strip()) and page.paginator.count > SEARCH_LIMIT
    template = "partners/_customer_rows.html" if request.htmx else "partners/customer_list.html"
    return render(request, template, {"page": page, "q": query, "more_than": SEARCH_LIMIT if more else None})


@staff_required(admin=True)
def customer_create(request):
    form = PartnerForm(request.POST or None, organization=request.organization, code_required=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            partner = create_partner(organization=request.organization, kind=Partner.Kind.CUSTOMER, **data)
        except DomainError as error:
            form.add_error(error.extra.get("field"), error.message)
        else:
            messages.success(request, _("Customer %(name)s was added") % {"name": partner.name})
            return redirect("partners:customer_list")
    return render(request, "partners/customer_form.html", {"form": form})


CUSTOMER_OPTIONS = 20


@staff_required
def customer_options(request):
    """Customers matching what the admin types in the Add portal user form (htmx)."""
    query = request.GET.get("customer_search", "")
    customers = search_partners(
        organization=request.organization, kind=Partner.Kind.CUSTOMER, query=query, limit=CUSTOMER_OPTIONS
    )
    return render(request, "partners/_customer_options.html", {"customers": customers[:CUSTOMER_OPTIONS]})


# --- suppliers ------------------------------------------------------------------------------

PAGE_SIZE = 50
SKIPPED_NAMES_SHOWN = 20


def _suppliers(organization):
    return Partner.objects.filter(organization=organization, kind=Partner.Kind.SUPPLIER)


def _supplier_or_404(request, pk):
    return get_object_or_404(_suppliers(request.organization).select_related("company"), pk=pk)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@staff_required
def supplier_list(request):
    organization = request.organization
    query = request.GET.get("q", "").strip()
    groups = list(PartnerGroup.objects.filter(organization=organization))
    group_id = _int_or_none(request.GET.get("group"))
    if group_id not in {g.pk for g in groups}:
        group_id = None
    status = request.GET.get("status", "")
    if status not in dict(STATUSES):
        status = ""
    review_state = request.GET.get("review", "")
    if review_state not in dict(REVIEW_FILTERS):
        review_state = ""
    suppliers = supplier_directory(
        organization=organization,
        query=query,
        group_id=group_id,
        status=status,
        limit=SEARCH_LIMIT,
        narrow=partial(with_review_state, organization=organization, state=review_state),
    )
    # The supplier's registered people, to open and manage from here (one query per page).
    its_people = Prefetch("users", queryset=User.objects.filter(organization=organization).order_by("pk"))
    page = keyset_page(
        suppliers.prefetch_related("groups", its_people),
        anchors=_suppliers(organization),
        after=_int_or_none(request.GET.get("after")),
        before=_int_or_none(request.GET.get("before")),
        size=PAGE_SIZE,
    )
    review_labels = dict(ProfileReview.State.choices)
    for partner in page.rows:
        partner.status = status_of(partner)
        partner.review_label = review_labels[partner.review_state or ProfileReview.State.DRAFT]
    more = bool(query) and more_than_limit(suppliers, limit=SEARCH_LIMIT)
    context = {
        "page": page,
        "more_than": SEARCH_LIMIT if more else None,
        "q": query,
        "group_id": group_id,
        "status": status,
        "groups": groups,
        "statuses": STATUSES,
        "review_state": review_state,
        "review_states": REVIEW_FILTERS,
        "filtered": bool(query or group_id or status or review_state),
        "filters_query": _filters_query(q=query, group=group_id or "", status=status, review=review_state),
    }
    template = "partners/suppliers/_rows.html" if request.htmx else "partners/suppliers/list.html"
    return render(request, template, context)


def _filters_query(**filters) -> str:
    """The list's filters as a query-string prefix for the pagination links."""
    kept = {name: value for name, value in filters.items() if value}
    return urlencode(kept) + "&" if kept else ""


@staff_required(admin=True)
def supplier_create(request):
    form = PartnerForm(request.POST or None, organization=request.organization, email_required=True)
    if request.method == "POST" and form.is_valid():
        try:
            partner = create_partner(
                organization=request.organization, kind=Partner.Kind.SUPPLIER, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(error.extra.get("field"), error.message)
        else:
            return redirect("partners:supplier_added", pk=partner.pk)
    return render(request, "partners/suppliers/form.html", {"form": form})


@staff_required(admin=True)
def supplier_added(request, pk):
    """Right after saving: send the invitation now, or later."""
    partner = _supplier_or_404(request, pk)
    return render(request, "partners/suppliers/added.html", {"partner": partner})


def _invite_step(request, partner, emails, *, error: DomainError | None = None, focus_last=False):
    """The Invite form with these address rows: the dialog's body (htmx) or a page of its own.
    A refusal marks every refused row at once; the focus goes to the first of them."""
    fields = error.extra.get("fields", {}) if error else {}
    rows = [(email, fields.get(position)) for position, email in enumerate(emails or [""])]
    context = {
        "partner": partner,
        "rows": rows,
        "error": error.message if error else None,
        "in_dialog": bool(request.htmx),
        "focus": min(fields) if fields else len(rows) - 1 if focus_last else 0,
    }
    template = "partners/suppliers/_invite_form.html" if request.htmx else "partners/suppliers/invite.html"
    return render(request, template, context)


@staff_required(admin=True)
@require_GET
def supplier_invite(request, pk):
    """The Invite dialog (htmx) or page (without JavaScript), with the supplier's address."""
    partner = _supplier_or_404(request, pk)
    return _invite_step(request, partner, [partner.email])


@staff_required(admin=True)
@require_POST
def supplier_invite_add(request, pk):
    """One more address row, where the focus goes."""
    partner = _supplier_or_404(request, pk)
    return _invite_step(request, partner, [*request.POST.getlist("email"), ""], focus_last=True)


@staff_required(admin=True)
@require_POST
def supplier_invite_remove(request, pk, index):
    """Without the row at `index`; the last row stays."""
    partner = _supplier_or_404(request, pk)
    emails = request.POST.getlist("email")
    if 0 <= index < len(emails) and len(emails) > 1:
        del emails[index]
    return _invite_step(request, partner, emails)


@staff_required(admin=True)
@require_POST
def supplier_invite_send(request, pk):
    partner = _supplier_or_404(request, pk)
    emails = request.POST.getlist("email")
    try:
        outcome = invite_partner(
            organization=request.organization, partner=partner, emails=emails, by=request.user
        )
    except DomainError as failure:
        return _invite_step(request, partner, emails, error=failure)
    messages.success(
        request,
        ngettext(
            "%(count)d invitation for %(name)s is on its way.",
            "%(count)d invitations for %(name)s are on their way.",
            outcome.invited,
        )
        % {"count": outcome.invited, "name": partner.name},
    )
    target = reverse("partners:supplier_list")
    if request.htmx:
        # Back to the directory as the admin left it: the dialog's page, with its search.
        page = urlsplit(request.htmx.current_url or "")
        target = _safe_next(request, urlunsplit(("", "", page.path, page.query, "")))
        response = render(request, "partners/suppliers/_invite_done.html")
        response["HX-Redirect"] = target
        return response
    return redirect(target)


@staff_required(admin=True)
@require_POST
def supplier_invite_selected(request):
    ids = {_int_or_none(value) for value in request.POST.getlist("partner")} - {None}
    if not ids:
        messages.error(request, _("Select at least one supplier to invite."))
        return redirect(_safe_next(request))
    partners = list(_suppliers(request.organization).filter(pk__in=ids).select_related("company"))
    if len(partners) != len(ids):
        # Another organization's supplier, or one deleted meanwhile: invite nobody.
        raise Http404
    outcome = invite_selected(organization=request.organization, partners=partners, by=request.user)
    messages.success(
        request,
        ngettext("%(count)d supplier was invited.", "%(count)d suppliers were invited.", outcome.invited)
        % {"count": outcome.invited},
    )
    by_reason = {}
    for partner, reason in outcome.skipped:
        by_reason.setdefault(reason, []).append(partner.name)
    for reason, names in by_reason.items():
        shown = ", ".join(names[:SKIPPED_NAMES_SHOWN])
        if len(names) > SKIPPED_NAMES_SHOWN:
            shown += " " + _("and %(count)d more") % {"count": len(names) - SKIPPED_NAMES_SHOWN}
        messages.warning(
            request,
            ngettext(
                "%(count)d skipped (%(reason)s): %(names)s",
                "%(count)d skipped (%(reason)s): %(names)s",
                len(names),
            )
            % {"count": len(names), "reason": SKIP_REASONS[reason], "names": shown},
        )
    return redirect(_safe_next(request))


def _safe_next(request, target=None):
    """`target` (by default the form's "next") if it is a page of the supplier directory."""
    target = request.POST.get("next", "") if target is None else target
    if target.startswith(reverse("partners:supplier_list")) and "//" not in target:
        return target
    return reverse("partners:supplier_list")
