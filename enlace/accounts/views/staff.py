"""The organization's "Portal users" pages: list, add a customer user, detail, edit, and the
actions on one person (resend, disable, enable, password reset)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enlace.accounts import people, services, two_factor
from enlace.accounts.forms import PersonForm, PortalUserForm
from enlace.accounts.models import User
from enlace.accounts.selectors import filter_users, organization_users
from enlace.audit.models import AuditEvent
from enlace.lib.errors import DomainError
from enlace.lib.pagination import CountLimitedPaginator
from enlace.organizations.decorators import staff_required


@staff_required
def user_list(request):
    users = organization_users(request.organization).select_related("partner").order_by("-date_joined", "-id")
    profile = request.GET.get("profile", "")
    status = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()
    users = filter_users(
        users,
        profile=profile if profile in User.Profile.values else "",
        status=status if status in User.Status.values else "",
        query=query,
    )
    page = CountLimitedPaginator(users, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/user_list.html",
        {
            "page": page,
            "profiles": User.Profile.choices,
            "statuses": User.Status.choices,
            "profile": profile,
            "status": status,
            "q": query,
        },
    )


@staff_required(admin=True)
def user_create(request):
    form = PortalUserForm(request.POST or None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.create_customer_user(
                organization=request.organization,
                by=request.user,
                username=data["username"],
                partner=data["customer"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                portal_enabled=data["portal_enabled"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("%(name)s was registered. The activation email is on its way.") % {"name": user},
            )
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form})


@staff_required
def user_detail(request, pk):
    user = get_object_or_404(organization_users(request.organization).select_related("partner"), pk=pk)
    events = list(people.timeline_of(user, organization=request.organization))
    for event in events:
        if event.action == AuditEvent.Action.USER_EDITED:
            event.detail = people.changed_fields(event)
    invitations = user.invitations.filter(organization=request.organization)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "portal_user": user,
            "events": events,
            "invitations": invitations,
            "is_staff_member": two_factor.is_staff(user),
            "two_factor_enabled": two_factor.is_staff(user) and two_factor.is_enabled(user),
        },
    )


@staff_required(admin=True)
def user_edit(request, pk):
    user = get_object_or_404(people.people_of(request.organization).select_related("partner"), pk=pk)
    form = PersonForm(request.POST or None, person=user, editable=people.editable_fields(user))
    if request.method == "POST" and form.is_valid():
        try:
            changed = people.edit(user=user, by=request.user, **form.changes())
        except DomainError as error:
            form.add_error(error.extra.get("field"), error.message)
        else:
            if changed:
                messages.success(request, _("The details of %(name)s were saved.") % {"name": user})
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_edit.html", {"form": form, "portal_user": user})


@require_POST
@staff_required(admin=True)
def user_resend(request, pk):
    user = get_object_or_404(organization_users(request.organization), pk=pk)
    try:
        services.resend_activation(user=user, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("A new activation email was queued; the previous link no longer works."))
    return redirect("accounts:user_detail", pk=user.pk)


@require_POST
@staff_required(admin=True)
def user_disable(request, pk):
    user = get_object_or_404(people.people_of(request.organization), pk=pk)
    try:
        people.disable(user=user, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s can no longer sign in to this organization.") % {"name": user})
    return redirect("accounts:user_detail", pk=user.pk)


@require_POST
@staff_required(admin=True)
def user_enable(request, pk):
    user = get_object_or_404(people.people_of(request.organization), pk=pk)
    try:
        people.enable(user=user, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s can sign in again.") % {"name": user})
    return redirect("accounts:user_detail", pk=user.pk)


@require_POST
@staff_required(admin=True)
def user_password_reset(request, pk):
    user = get_object_or_404(people.people_of(request.organization), pk=pk)
    try:
        people.send_password_reset(user=user, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("A link to choose a new password was sent to %(email)s.") % {"email": user.email}
        )
    return redirect("accounts:user_detail", pk=user.pk)
