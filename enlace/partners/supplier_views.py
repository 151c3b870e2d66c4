"""The supplier directory: list, search and filter the organization's suppliers with their
network status, add one, and invite one or many."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from enlace.accounts.supplier_invitations import SKIP_REASONS, invite_partner, invite_selected
from enlace.invitations.supplier_directory import STATUSES, status_of, supplier_directory
from enlace.lib.errors import DomainError
from enlace.organizations.decorators import staff_required
from enlace.partners.forms import PartnerForm
from enlace.partners.models import Partner, PartnerGroup
from enlace.partners.selectors import keyset_page
from enlace.partners.services import create_partner

PAGE_SIZE = 50
SKIPPED_NAMES_SHOWN = 20


def _suppliers(organization):
    return Partner.objects.filter(organization=organization, kind=Partner.Kind.SUPPLIER)


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
    suppliers = supplier_directory(organization=organization, query=query, group_id=group_id, status=status)
    page = keyset_page(
        suppliers.prefetch_related("groups"),
        anchors=_suppliers(organization),
        after=_int_or_none(request.GET.get("after")),
        before=_int_or_none(request.GET.get("before")),
        size=PAGE_SIZE,
    )
    for partner in page.rows:
        partner.status = status_of(partner)
    context = {
        "page": page,
        "q": query,
        "group_id": group_id,
        "status": status,
        "groups": groups,
        "statuses": STATUSES,
        "filtered": bool(query or group_id or status),
        "filters_query": _filters_query(q=query, group=group_id or "", status=status),
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
    partner = get_object_or_404(_suppliers(request.organization).select_related("company"), pk=pk)
    return render(request, "partners/suppliers/added.html", {"partner": partner})


@staff_required(admin=True)
@require_http_methods(["GET", "POST"])
def supplier_invite(request, pk):
    """The Invite dialog (htmx) or page (without JavaScript): one or more addresses."""
    partner = get_object_or_404(_suppliers(request.organization).select_related("company"), pk=pk)
    emails = request.POST.getlist("email") if request.method == "POST" else [partner.email]
    error = None
    action = request.POST.get("action", "")
    if action == "add":
        emails.append("")
    elif action.startswith("remove-"):
        index = _int_or_none(action.removeprefix("remove-"))
        if index is not None and 0 <= index < len(emails) and len(emails) > 1:
            del emails[index]
    elif action == "send":
        try:
            outcome = invite_partner(
                organization=request.organization, partner=partner, emails=emails, by=request.user
            )
        except DomainError as failure:
            error = failure.message
        else:
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
                response = render(request, "partners/suppliers/_invite_done.html")
                response["HX-Redirect"] = target
                return response
            return redirect(target)
    context = {
        "partner": partner,
        "emails": emails or [""],
        "error": error,
        "in_dialog": bool(request.htmx),
        "focus_last": action == "add",
    }
    template = "partners/suppliers/_invite_form.html" if request.htmx else "partners/suppliers/invite.html"
    return render(request, template, context)


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


def _safe_next(request):
    target = request.POST.get("next", "")
    if target.startswith(reverse("partners:supplier_list")) and "//" not in target:
        return target
    return reverse("partners:supplier_list")
