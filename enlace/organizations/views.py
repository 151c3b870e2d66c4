from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from enlace.accounts.models import User
from enlace.imports.models import RUNNING, ImportBatch
from enlace.imports.progress import batch_progress
from enlace.invitations.funnel import ATTENTION_ROWS, campaign_funnels, needs_attention, weekly_activity
from enlace.lib.forms import TextField
from enlace.lib.snapshots import FRESH_SECONDS, snapshot
from enlace.organizations.decorators import staff_required
from enlace.organizations.models import Organization
from enlace.organizations.time_zones import UNKNOWN_ZONE, time_zone_names
from enlace.partners.models import Partner
from enlace.profiles.reviews import review_funnel

# The periods the home's chart offers, in days.
CHART_PERIODS = (90, 30)


@login_required
def home(request):
    """Where onboarding stands: each campaign's funnel, what needs attention, the weeks' activity
    and the directory's counts; a bounded number of queries whatever the size. The funnels,
    the weeks and the counts pass over every invitation, so they are a snapshot shared by the
    organization's staff and counted again every few seconds; what needs attention is read live,
    as its buttons change it."""
    if request.organization is None:
        # A partner's person: their own page in the purchase portal.
        return render(request, "organizations/portal_home.html")
    organization = request.organization
    days = CHART_PERIODS[1] if request.GET.get("days") == str(CHART_PERIODS[1]) else CHART_PERIODS[0]
    now = timezone.now()
    # Labels and weeks depend on the reader's language and the active time zone.
    key = f"home:{organization.pk}:{days}:{get_language()}:{timezone.get_current_timezone_name()}"
    figures = snapshot(key, lambda: _onboarding_figures(organization, days))
    imports = list(
        ImportBatch.objects.filter(organization=organization, status__in=RUNNING).order_by("created_at")[
            :ATTENTION_ROWS
        ]
    )
    return render(
        request,
        "organizations/home.html",
        {
            **figures.value,
            "figures_taken_at": figures.taken_at,
            "figures_fresh_seconds": FRESH_SECONDS,
            "attention": needs_attention(organization=organization, now=now),
            "imports": [(batch, batch_progress(batch)) for batch in imports],
            "periods": CHART_PERIODS,
        },
    )


def _onboarding_figures(organization, days: int) -> dict:
    now = timezone.now()
    partners = Partner.objects.filter(organization=organization)
    funnels = campaign_funnels(organization=organization, now=now)
    # After registering, a supplier submits its profile to this buyer, which approves it.
    funnels["suppliers"].stages += review_funnel(
        organization=organization,
        invited=funnels["suppliers"].invited,
        directory_url=reverse("partners:supplier_list"),
    )
    return {
        "counts": {
            "suppliers": partners.filter(kind=Partner.Kind.SUPPLIER).count(),
            "customers": partners.filter(kind=Partner.Kind.CUSTOMER).count(),
            "pending_users": User.objects.filter(
                organization=organization, status=User.Status.PENDING_ACTIVATION
            ).count(),
        },
        "funnels": funnels,
        "activity": weekly_activity(organization=organization, days=days, now=now),
    }


class SettingsForm(forms.ModelForm):
    link_lifetime_hours = forms.IntegerField(
        label=gettext_lazy("Link lifetime (hours)"),
        min_value=1,
        max_value=24 * 30,
        help_text=gettext_lazy("How long registration and activation links work."),
    )
    code_lifetime_days = forms.IntegerField(
        label=gettext_lazy("Activation code lifetime (days)"), min_value=1, max_value=365
    )
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        choices=lambda: [(name, name) for name in time_zone_names()],
        help_text=gettext_lazy("Pages, emails and exports show times in this zone."),
        error_messages={"invalid_choice": UNKNOWN_ZONE},
    )

    class Meta:
        model = Organization
        field_classes = {"name": TextField}
        help_texts = {
            "language": gettext_lazy("The language of emails and of pages until a person chooses theirs."),
            "activation_style": gettext_lazy(
                "Temporary password: the activation email carries one, to be replaced at first login. "
                "Link only: the link leads to a page where the person chooses a password."
            ),
            "mail_rate_per_minute": gettext_lazy("Leave empty for no limit."),
            "require_two_factor_for_admins": gettext_lazy(
                "Administrators then sign in with a code from an authenticator app after their "
                "password; one who has not set it up is asked to before anything else."
            ),
        }
        fields = [
            "name",
            "language",
            "time_zone",
            "activation_style",
            "link_lifetime_hours",
            "code_lifetime_days",
            "reminder_hours_before_expiry",
            "mail_rate_per_minute",
            "require_two_factor_for_admins",
        ]


@staff_required(admin=True)
def settings_view(request):
    form = SettingsForm(request.POST or None, instance=request.organization)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Settings saved."))
        return redirect("settings")
    return render(request, "organizations/settings.html", {"form": form})
