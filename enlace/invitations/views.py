"""The "User activation requests" pages: every invitation of the organization, its actions and
its export."""

from django.contrib import messages
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from enlace.accounts.services import resend
from enlace.invitations import exports
from enlace.invitations.models import Invitation
from enlace.invitations.selectors import search_invitations
from enlace.invitations.services import revoke_invitation
from enlace.lib.errors import DomainError
from enlace.lib.pagination import CountLimitedPaginator
from enlace.organizations.decorators import staff_required
from enlace.partners.selectors import SEARCH_LIMIT

PAGE_SIZE = 50
FUNNEL_FILTERS = ("stage", "reason", "batch", "group", "expiring")


def _filters(request) -> dict:
    return {
        "state": request.GET.get("state", ""),
        "kind": request.GET.get("kind", ""),
        "query": request.GET.get("q", "").strip(),
        # The home's links: a step of the funnel, a failure's reason, an import, a group, and
        # what expires within 48 hours.
        **{name: request.GET.get(name, "") for name in FUNNEL_FILTERS},
    }


def _safe_next(request, target: str) -> str:
    """A local path to go back to (the list with its filters and page), or the plain list."""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("invitations:list")


def _back(request):
    return redirect(_safe_next(request, request.POST.get("next", "")))


def _invitation(request, pk) -> Invitation:
    return get_object_or_404(Invitation.objects.for_organization(request.organization), pk=pk)


@staff_required
def invitation_list(request):
    filters = _filters(request)
    invitations = search_invitations(organization=request.organization, limit=SEARCH_LIMIT, **filters)
    page = CountLimitedPaginator(invitations, PAGE_SIZE).get_page(request.GET.get("page"))
    more = bool(filters["query"]) and page.paginator.count > SEARCH_LIMIT
    return render(
        request,
        "invitations/list.html",
        {
            "page": page,
            "states": Invitation.State.choices,
            "kinds": Invitation.Kind.choices,
            "expired": Invitation.State.EXPIRED.value,
            "pending_states": [s.value for s in Invitation.PENDING_STATES],
            "export_query": _without_page(request),
            "funnel_filters": [(name, filters[name]) for name in FUNNEL_FILTERS if filters[name]],
            "more_than": SEARCH_LIMIT if more else None,
            **filters,
        },
    )


def _without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@staff_required
def invitation_export(request, fmt):
    invitations = search_invitations(organization=request.organization, **_filters(request))
    zone = request.organization.zone
    stamp = timezone.localtime(timezone=zone).strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        language = translation.get_language()

        def lines():
            # Streamed after the view returns: keep speaking the reader's language.
            with translation.override(language):
                yield from exports.csv_lines(
                    invitations, zone=zone, delimiter=request.organization.csv_delimiter
                )

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="activation-requests-{stamp}.csv"'
        return response
    if fmt == "xlsx":
        return FileResponse(
            exports.xlsx_file(invitations, zone=zone),
            as_attachment=True,
            filename=f"activation-requests-{stamp}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    raise Http404


@require_POST
@staff_required(admin=True)
def invitation_resend(request, pk):
    """Resend a pending invitation, or renew an expired one: either way a fresh link."""
    invitation = _invitation(request, pk)
    was_expired = invitation.state == Invitation.State.EXPIRED or (
        invitation.is_pending and invitation.is_expired()
    )
    try:
        invitation = resend(invitation=invitation, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        values = {
            "email": invitation.email,
            "when": date_format(timezone.localtime(invitation.expires_at), "DATETIME_FORMAT"),
        }
        if was_expired:
            message = _(
                "The invitation to %(email)s was renewed: a new email is on its way, valid until %(when)s."
            )
        elif invitation.kind == Invitation.Kind.SUPPLIER_CODE:
            message = _(
                "A new email to %(email)s is on its way, valid until %(when)s; "
                "the previous code no longer works."
            )
        else:
            message = _(
                "A new email to %(email)s is on its way, valid until %(when)s; "
                "the previous link no longer works."
            )
        messages.success(request, message % values)
    return _back(request)


@require_http_methods(["GET", "POST"])
@staff_required(admin=True)
def invitation_revoke(request, pk):
    """GET asks for confirmation; POST revokes."""
    invitation = _invitation(request, pk)
    if request.method == "GET":
        return render(
            request,
            "invitations/revoke.html",
            {"invitation": invitation, "next": _safe_next(request, request.GET.get("next", ""))},
        )
    try:
        revoke_invitation(invitation=invitation, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            (
                _("The invitation to %(email)s was revoked; its code no longer works.")
                if invitation.kind == Invitation.Kind.SUPPLIER_CODE
                else _("The invitation to %(email)s was revoked; its link no longer works.")
            )
            % {"email": invitation.email},
        )
    return _back(request)
