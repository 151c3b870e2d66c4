"""Where onboarding stands: the funnel of a set of invitations, what needs attention, and the
invitations sent and registrations completed week by week.

Every count is an aggregate in the database (a conditional Count per number), so the home costs
the same few queries for ten invitations as for a million, and each reads an index of the
invitations rather than their rows (see the indexes of Invitation.Meta). Each number is
described by the filters of the "User activation requests" list (`filters`), and counted from
the very queryset that list shows for them (`search_invitations`): a number and the list it
links to cannot disagree.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from enlace.invitations.models import Invitation
from enlace.invitations.selectors import (
    CAMPAIGN_KINDS,
    USED_STATES,
    expiring_filter,
    search_invitations,
    stage_filter,
    state_filter,
)

# The two onboarding campaigns the home follows, by the kind of invitation that starts them: a
# supplier's person registers with a code (and is active at once); a customer's person
# registers through a link, then activates the account with the link of a second email.
SUPPLIERS = "suppliers"
CUSTOMER_USERS = "customer_users"
CAMPAIGNS = {SUPPLIERS: Invitation.Kind.SUPPLIER_CODE, CUSTOMER_USERS: Invitation.Kind.REGISTRATION}

STAGE_LABELS = {
    "invited": pgettext_lazy("funnel", "Invited"),
    "delivered": pgettext_lazy("funnel", "Delivered"),
    "registered": pgettext_lazy("funnel", "Registered"),
    "activated": pgettext_lazy("funnel", "Activated"),
}
LOSS_LABELS = {
    Invitation.State.FAILED: pgettext_lazy("funnel", "Delivery failed"),
    Invitation.State.EXPIRED: pgettext_lazy("funnel", "Expired"),
    Invitation.State.REVOKED: pgettext_lazy("funnel", "Revoked"),
}
TOP_REASONS = 3
ATTENTION_ROWS = 5


@dataclass
class Number:
    """One count of the funnel and the list filters that show exactly its records: the
    activation requests, unless `list_url` names another list (the supplier directory)."""

    key: str
    label: str
    count: int
    percent: int
    filters: dict
    list_url: str = ""

    @property
    def query(self) -> str:
        return urlencode(self.filters)


@dataclass
class Funnel:
    stages: list[Number]
    losses: list[Number]
    reasons: list[Number] = field(default_factory=list)

    @property
    def invited(self) -> int:
        return self.stages[0].count


def percent_of(count: int, total: int) -> int:
    return round(100 * count / total) if total else 0


# Rows are counted by a column the indexes hold (the id is not in them), so that PostgreSQL
# counts from an index alone.
ROWS = "kind"


def _counts(stages: list[str], now) -> dict:
    """The aggregate of each number of a funnel: its stages and its losses."""
    return {
        **{stage: Count(ROWS, filter=stage_filter(stage)) for stage in stages},
        **{state: Count(ROWS, filter=state_filter(state, now)) for state in LOSS_LABELS},
    }


def _stages(activation: bool) -> list[str]:
    return ["invited", "delivered", "registered"] + (["activated"] if activation else [])


def onboarding_funnel(*, organization, filters: dict, activation: bool = True, now=None) -> Funnel:
    """The funnel of the invitations the list shows for `filters` (a campaign's kind, an import
    batch, a partner group): how many were invited, delivered, registered and (with
    `activation`) activated, and the losses beside them, failed deliveries with their most
    frequent reasons, expired and revoked. Two queries."""
    now = now or timezone.now()
    invitations, stages = _invited(organization, filters, now), _stages(activation)
    return _funnel(invitations, filters, invitations.aggregate(**_counts(stages, now)), stages, now)


def _invited(organization, filters: dict, now):
    invited = {**filters, "stage": "invited"}
    return search_invitations(organization=organization, now=now, **invited).order_by()


def _funnel(invitations, filters: dict, counts: dict, stages: list[str], now) -> Funnel:
    """The funnel of `counts`, with the most frequent reasons of its failed deliveries (one
    query, when there are any)."""
    invited = {**filters, "stage": "invited"}
    total = counts["invited"]
    funnel = Funnel(
        stages=[
            Number(s, STAGE_LABELS[s], counts[s], percent_of(counts[s], total), {**filters, "stage": s})
            for s in stages
        ],
        losses=[
            Number(s, LOSS_LABELS[s], counts[s], percent_of(counts[s], total), {**invited, "state": s})
            for s in LOSS_LABELS
        ],
    )
    if counts[Invitation.State.FAILED]:
        reasons = (
            invitations.filter(state_filter(Invitation.State.FAILED, now))
            .values("delivery_error")
            .annotate(count=Count(ROWS))
            .order_by("-count", "delivery_error")[:TOP_REASONS]
        )
        funnel.reasons = [
            Number(
                "reason",
                row["delivery_error"] or _("No reason given"),
                row["count"],
                percent_of(row["count"], total),
                {**invited, "state": Invitation.State.FAILED, "reason": row["delivery_error"]},
            )
            for row in reasons
        ]
    return funnel


def campaign_funnels(*, organization, now=None) -> dict[str, Funnel]:
    """The funnel of each campaign: suppliers, and customers' users. The numbers of both in one
    pass over the invitations, grouped by kind (each group is what the list shows for that
    kind); then the reasons of each one's failures."""
    now = now or timezone.now()
    stages = _stages(activation=True)
    by_kind = {
        row["kind"]: row
        for row in _invited(organization, {}, now).values("kind").annotate(**_counts(stages, now))
    }
    funnels = {}
    for campaign, kind in CAMPAIGNS.items():
        filters = {"kind": kind}
        counts = by_kind.get(kind) or dict.fromkeys([*stages, *LOSS_LABELS], 0)
        # Only a customer's person has an account to activate after registering.
        shown = _stages(activation=campaign == CUSTOMER_USERS)
        funnels[campaign] = _funnel(_invited(organization, filters, now), filters, counts, shown, now)
    return funnels


@dataclass
class Attention:
    """Invitations that need someone: failed deliveries not resent yet (a resend clears the
    failure) and those that stop working within 48 hours; a few of each, and how many in all."""

    failed: list[Invitation]
    failed_count: int
    expiring: list[Invitation]
    expiring_count: int
    failed_query: str = urlencode({"state": Invitation.State.FAILED})
    expiring_query: str = urlencode({"expiring": "48h"})


def needs_attention(*, organization, now=None) -> Attention:
    """What to fix first: four queries at most."""
    now = now or timezone.now()
    mine = Invitation.objects.for_organization(organization).select_related("partner")
    failed = state_filter(Invitation.State.FAILED, now)
    expiring = expiring_filter(now)
    # Two counts and two short lists, each read from its own index (by state; the failed ones
    # latest first; the pending ones by expiry) rather than one pass over every invitation.
    counts = {
        "failed": mine.filter(failed).order_by().count(),
        "expiring": mine.filter(expiring).order_by().count(),
    }
    return Attention(
        failed=list(mine.filter(failed).order_by("-updated_at", "-id")[:ATTENTION_ROWS])
        if counts["failed"]
        else [],
        failed_count=counts["failed"],
        expiring=list(mine.filter(expiring).order_by("expires_at", "id")[:ATTENTION_ROWS])
        if counts["expiring"]
        else [],
        expiring_count=counts["expiring"],
    )


@dataclass
class Week:
    start: datetime
    sent: int
    registered: int


@dataclass
class Activity:
    weeks: list[Week]
    days: int
    # Of the registrations completed in the period: from the invitation to the registration.
    median_to_register: timedelta | None

    @property
    def highest(self) -> int:
        """The chart's top: the largest weekly count."""
        return max([1, *(max(w.sent, w.registered) for w in self.weeks)])

    @property
    def median_hours(self) -> int | None:
        if self.median_to_register is None:
            return None
        return round(self.median_to_register.total_seconds() / 3600)


def _week_start(moment: datetime, zone) -> datetime:
    local = timezone.localtime(moment, zone)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time.min, tzinfo=zone)


def weekly_activity(*, organization, days: int = 90, now=None) -> Activity:
    """The campaigns' invitations sent and registrations completed per week over the last
    `days`, weeks starting on Monday in the active time zone, and the median time from
    invitation to registration. Three queries, whatever the number of invitations."""
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    starts = [_week_start(now - timedelta(days=days), zone)]
    while (following := _next_week(starts[-1], zone)) <= now:
        starts.append(following)
    end = _next_week(starts[-1], zone)
    campaigns = Invitation.objects.for_organization(organization).filter(kind__in=CAMPAIGN_KINDS).order_by()
    sent = _weekly_counts(campaigns.filter(sent_at__gte=starts[0], sent_at__lt=end), "sent_at", starts, end)
    registrations = campaigns.filter(state__in=USED_STATES, used_at__gte=starts[0], used_at__lt=end)
    registered = _weekly_counts(registrations, "used_at", starts, end)
    return Activity(
        weeks=[Week(*week) for week in zip(starts, sent, registered, strict=True)],
        days=days,
        median_to_register=_median_wait(registrations, count=sum(registered)),
    )


def _next_week(start: datetime, zone) -> datetime:
    # From the local date, so that a change of daylight saving time keeps weeks on midnight.
    return datetime.combine(start.date() + timedelta(days=7), time.min, tzinfo=zone)


def _weekly_counts(rows, column: str, starts: list[datetime], end: datetime) -> list[int]:
    """How many of `rows` fall in each week by `column`. The weeks' bounds are instants found here
    in the active time zone, so the database compares the indexed column with them (a conditional
    count per week) rather than converting every row's time to truncate it to its week."""
    bounds = [*starts, end]
    counts = rows.aggregate(
        **{
            f"week_{n}": Count(ROWS, filter=Q(**{f"{column}__gte": start, f"{column}__lt": bounds[n + 1]}))
            for n, start in enumerate(starts)
        }
    )
    return [counts[f"week_{n}"] for n in range(len(starts))]


def _median_wait(registrations, count: int) -> timedelta | None:
    """The median of used_at - created_at of the `count` registrations, found by the database:
    the middle row(s) in order (no rows brought over but one or two)."""
    if not count:
        return None
    waits = (
        registrations.annotate(wait=F("used_at") - F("created_at"))
        .order_by("wait")
        .values_list("wait", flat=True)
    )
    middle = list(waits[(count - 1) // 2 : count // 2 + 1])
    return sum(middle, timedelta()) / len(middle)
