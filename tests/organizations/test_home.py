"""The home: each campaign's funnel, what needs attention and the weeks' activity; every number
is the count of the list it links to, and the page costs the same queries whatever the size."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enlace.accounts.models import User
from enlace.invitations.funnel import onboarding_funnel, weekly_activity
from enlace.invitations.models import Invitation
from enlace.invitations.services import build_invitation
from enlace.partners.models import Partner, PartnerGroup
from enlace.partners.services import create_partner
from enlace.profiles.models import ProfileReview
from tests.conftest import ec_ruc
from tests.partners.suppliers import add_supplier
from tests.search_plans import committing

State = Invitation.State
Kind = Invitation.Kind


def add_campaigns(acme, customer, start, count):
    """`count` supplier codes and `count` customer people, spread over every state: delivered,
    failed for two reasons, expired, revoked, registered, activated, expiring tomorrow."""
    now = timezone.now()
    supplier = Partner.objects.filter(organization=acme, kind=Partner.Kind.SUPPLIER).first()
    users = User.objects.bulk_create(
        User(
            username=f"p{n}@tornillo.example",
            email=f"p{n}@tornillo.example",
            profile=User.Profile.CUSTOMER,
            status=User.Status.PENDING_ACTIVATION,
            organization=acme,
            partner=customer,
        )
        for n in range(start, start + count)
    )
    invitations = []
    for i, n in enumerate(range(start, start + count)):
        invitations.append(
            build_invitation(
                organization=acme, kind=Kind.SUPPLIER_CODE, email=f"s{n}@x.example", partner=supplier
            )
        )
        invitations.append(
            build_invitation(
                organization=acme,
                kind=Kind.REGISTRATION,
                email=users[i].email,
                partner=customer,
                user=users[i],
            )
        )
    for i, inv in enumerate(invitations):
        step = (i // 2) % 8
        inv.state, inv.expires_at = State.QUEUED, now + timedelta(days=10)
        if step >= 1:
            # Sent over the last weeks; those registered took one to four days.
            inv.state, inv.sent_at = State.SENT, now - timedelta(days=5 + (i * 7) % 80, hours=i % 24)
        if step == 2:
            inv.state, inv.delivery_error = State.FAILED, "550 mailbox unavailable"
        if step == 3:
            inv.state, inv.delivery_error = State.FAILED, "Domain not found"
        if step == 4:
            inv.state = State.EXPIRED
        if step == 5:
            inv.state = State.REVOKED
        if step in (6, 7):
            inv.state, inv.used_at = State.REGISTERED, inv.sent_at + timedelta(days=1 + i % 4)
        if step == 1:
            inv.expires_at = now + timedelta(hours=20)
    Invitation.objects.bulk_create(invitations)
    Invitation.objects.filter(pk__in=[inv.pk for inv in invitations], sent_at__isnull=False).update(
        created_at=F("sent_at") - timedelta(minutes=5)
    )
    # Half of the registered customers' people activated their account.
    activations = []
    for n, inv in enumerate(invitations):
        if inv.kind == Kind.REGISTRATION and (n // 2) % 8 == 7:
            activation = build_invitation(
                organization=acme, kind=Kind.ACTIVATION, email=inv.email, partner=customer, user=inv.user
            )
            activation.state = State.ACTIVATED
            activations.append(activation)
    Invitation.objects.bulk_create(activations)
    return invitations


def add_reviews(acme, start, count):
    """`count` suppliers of Acme with its review of their profile in every state, a draft first."""
    states = list(ProfileReview.State)
    for n in range(start, start + count):
        partner = add_supplier(acme, 100 + n)
        state = states[n % len(states)]
        ProfileReview.objects.create(organization=acme, company=partner.company, state=state)


@pytest.fixture
def supplier(acme):
    return create_partner(
        organization=acme, kind=Partner.Kind.SUPPLIER, tax_id=ec_ruc(31), code="P1", name="Ferretería"
    )


def list_count(client, filters) -> int:
    response = client.get(reverse("invitations:list"), filters)
    assert response.status_code == 200
    return response.context["page"].paginator.count


@pytest.mark.django_db
def test_every_number_of_the_home_is_the_count_of_the_list_it_links_to(
    alice_client, acme, customer, supplier
):
    add_campaigns(acme, customer, 0, 24)
    add_reviews(acme, 0, 10)
    response = alice_client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    funnels = response.context["funnels"]
    numbers = [n for f in funnels.values() for n in (*f.stages, *f.losses, *f.reasons)]
    assert len(numbers) == 6 + 3 + 3 + 3 + 2 + 2
    for number in numbers:
        if number.key in ("submitted", "approved"):
            continue
        assert f"{reverse('invitations:list')}?{number.query}".replace("&", "&amp;") in html
        assert number.count == list_count(alice_client, number.filters), number
    suppliers = {n.key: n.count for n in funnels["suppliers"].stages}
    assert suppliers == {"invited": 24, "delivered": 21, "registered": 6, "submitted": 8, "approved": 2}
    customers = {n.key: n.count for n in funnels["customer_users"].stages}
    assert customers == {"invited": 24, "delivered": 21, "registered": 6, "activated": 3}
    assert [(r.label, r.count) for r in funnels["suppliers"].reasons] == [
        ("550 mailbox unavailable", 3),
        ("Domain not found", 3),
    ]
    attention = response.context["attention"]
    assert attention.failed_count == 12 == list_count(alice_client, {"state": "failed"})
    assert attention.expiring_count == 6 == list_count(alice_client, {"expiring": "48h"})


@pytest.mark.django_db
def test_the_home_costs_the_same_queries_with_a_few_and_1000_invitations_of_each_kind(
    alice_client, acme, customer, supplier
):
    def queries():
        cache.clear()  # the figures counted afresh, not read from the snapshot
        with CaptureQueriesContext(connection) as captured:
            response = alice_client.get(reverse("home"))
        assert response.status_code == 200
        return len(captured)

    add_campaigns(acme, customer, 0, 8)  # one of each state
    add_reviews(acme, 0, 5)
    with_ten = queries()
    add_campaigns(acme, customer, 8, 992)
    add_reviews(acme, 5, 200)
    assert queries() == with_ten


@pytest.mark.django_db
def test_the_suppliers_who_submitted_their_profile_and_those_approved_link_to_exactly_them(
    alice_client, acme, globex, customer, supplier
):
    add_campaigns(acme, customer, 0, 8)
    submitted = add_supplier(acme, 1, name="Enviado S.A.")
    asked = add_supplier(acme, 2, name="Por corregir S.A.")
    approved = add_supplier(acme, 3, name="Aprobado S.A.")
    rejected = add_supplier(acme, 4, name="Rechazado S.A.")
    add_supplier(acme, 5, name="Sin enviar S.A.")
    for partner, state in [
        (submitted, ProfileReview.State.SUBMITTED),
        (asked, ProfileReview.State.CHANGES_REQUESTED),
        (approved, ProfileReview.State.APPROVED),
        (rejected, ProfileReview.State.REJECTED),
    ]:
        ProfileReview.objects.create(organization=acme, company=partner.company, state=state)
    # Another buyer's approval of the same company is not Acme's.
    globex.country = "EC"
    globex.save()
    ProfileReview.objects.create(
        organization=globex, company=add_supplier(globex, 5).company, state=ProfileReview.State.APPROVED
    )
    response = alice_client.get(reverse("home"))
    html = response.content.decode()
    stages = {n.key: n for n in response.context["funnels"]["suppliers"].stages}
    assert (stages["submitted"].count, stages["submitted"].percent) == (4, 50)
    assert (stages["approved"].count, stages["approved"].percent) == (1, 12)
    directory = reverse("partners:supplier_list")
    for key, names in {
        "submitted": {"Enviado S.A.", "Por corregir S.A.", "Aprobado S.A.", "Rechazado S.A."},
        "approved": {"Aprobado S.A."},
    }.items():
        assert f'href="{directory}?{stages[key].query}" data-funnel="{key}"' in html
        page = alice_client.get(directory, stages[key].filters)
        assert {p.name for p in page.context["page"].rows} == names
    assert "Perfil enviado" in html and "Perfil aprobado" in html


@pytest.mark.django_db
def test_the_funnels_are_counted_again_after_30_seconds_and_what_needs_attention_at_once(
    alice_client, acme, customer, supplier
):
    add_campaigns(acme, customer, 0, 8)
    first = alice_client.get(reverse("home"))
    invited = first.context["funnels"]["suppliers"].invited
    failed = first.context["attention"].failed_count
    add_campaigns(acme, customer, 8, 8)

    with CaptureQueriesContext(connection) as captured:
        again = alice_client.get(reverse("home"))
    assert again.context["funnels"]["suppliers"].invited == invited  # the shared snapshot
    assert again.context["figures_taken_at"] == first.context["figures_taken_at"]
    assert again.context["attention"].failed_count > failed  # live: its buttons change it
    assert len(captured) < 18
    html = again.content.decode()
    taken_at = timezone.localtime(first.context["figures_taken_at"]).strftime("%H:%M")
    assert f"Embudos y semanas contados a las {taken_at}; se vuelven a contar cada 30 segundos." in html

    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        later = alice_client.get(reverse("home"))
    assert later.context["funnels"]["suppliers"].invited == 2 * invited


@pytest.mark.django_db
def test_a_funnel_counts_one_group_or_one_import_only(alice_client, acme, customer, supplier):
    invitations = add_campaigns(acme, customer, 0, 16)
    north = PartnerGroup.objects.create(organization=acme, name="Norte")
    north.partners.add(customer)
    funnel = onboarding_funnel(organization=acme, filters={"group": north.pk})
    assert funnel.invited == 16 == list_count(alice_client, {"group": north.pk, "stage": "invited"})
    assert funnel.stages[2].count == 4 == list_count(alice_client, {"group": north.pk, "stage": "registered"})
    page = alice_client.get(reverse("partners:group_detail", args=[north.pk]))
    assert page.context["funnel"].invited == 16
    assert invitations  # (the import batch's funnel is tested with a real import)


@pytest.mark.django_db
def test_the_home_shows_another_organizations_invitations_nowhere(
    alice_client, acme, globex, customer, supplier
):
    add_campaigns(acme, customer, 0, 8)
    other = make_customer(globex)
    add_campaigns(globex, other, 100, 8)
    funnels = alice_client.get(reverse("home")).context["funnels"]
    assert funnels["suppliers"].invited == 8


def make_customer(organization):
    return create_partner(
        organization=organization, kind=Partner.Kind.CUSTOMER, tax_id=ec_ruc(77), code="C9", name="Otro"
    )


@pytest.mark.django_db
def test_weeks_start_on_monday_in_the_active_time_zone(acme, customer):
    zone = ZoneInfo("America/Guayaquil")  # UTC-5
    now = datetime(2026, 3, 18, 12, tzinfo=zone)  # a Wednesday
    (inv,) = Invitation.objects.bulk_create(
        [build_invitation(organization=acme, kind=Kind.REGISTRATION, email="a@x.example", partner=customer)]
    )
    # Sunday 15 March, 23:30 in Guayaquil: already Monday 16 in UTC.
    sunday_night = datetime(2026, 3, 15, 23, 30, tzinfo=zone)
    Invitation.objects.filter(pk=inv.pk).update(
        sent_at=sunday_night, created_at=sunday_night - timedelta(hours=30)
    )
    with timezone.override(zone):
        activity = weekly_activity(organization=acme, days=30, now=now)
    sent = {week.start.date().isoformat(): week.sent for week in activity.weeks if week.sent}
    assert sent == {"2026-03-09": 1}
    with timezone.override(ZoneInfo("UTC")):
        activity = weekly_activity(organization=acme, days=30, now=now)
    assert {week.start.date().isoformat(): week.sent for week in activity.weeks if week.sent} == {
        "2026-03-16": 1
    }


@pytest.mark.django_db
def test_weeks_keep_starting_at_midnight_across_a_change_of_daylight_saving_time(acme, customer):
    zone = ZoneInfo("Europe/Madrid")  # back from UTC+2 to UTC+1 on Sunday 25 October 2026
    now = datetime(2026, 11, 4, 12, tzinfo=zone)
    moments = {
        "the last minutes of the week of the change": datetime(2026, 11, 1, 23, 50, tzinfo=zone),
        "the first minutes of the week after it": datetime(2026, 11, 2, 0, 10, tzinfo=zone),
        "the first minutes of the week before it": datetime(2026, 10, 19, 0, 10, tzinfo=zone),
    }
    invitations = Invitation.objects.bulk_create(
        build_invitation(organization=acme, kind=Kind.REGISTRATION, email=f"p{n}@x.example", partner=customer)
        for n in range(len(moments))
    )
    for inv, moment in zip(invitations, moments.values(), strict=True):
        Invitation.objects.filter(pk=inv.pk).update(sent_at=moment)
    with timezone.override(zone):
        activity = weekly_activity(organization=acme, days=30, now=now)
    assert all(week.start.hour == 0 and week.start.weekday() == 0 for week in activity.weeks)
    sent = {week.start.date().isoformat(): week.sent for week in activity.weeks if week.sent}
    assert sent == {"2026-10-19": 1, "2026-10-26": 1, "2026-11-02": 1}


@pytest.mark.django_db
def test_the_median_time_to_register_is_the_middle_of_the_registrations(acme, customer):
    now = timezone.now()
    waits = [timedelta(hours=h) for h in (2, 10, 30, 100)]
    invitations = Invitation.objects.bulk_create(
        build_invitation(organization=acme, kind=Kind.REGISTRATION, email=f"p{n}@x.example", partner=customer)
        for n in range(len(waits))
    )
    for inv, wait in zip(invitations, waits, strict=True):
        Invitation.objects.filter(pk=inv.pk).update(
            state=State.REGISTERED, used_at=now - timedelta(days=1), created_at=now - timedelta(days=1) - wait
        )
    activity = weekly_activity(organization=acme, now=now)
    assert activity.median_to_register == timedelta(hours=20)
    assert sum(week.registered for week in activity.weeks) == 4


@pytest.mark.django_db
def test_each_item_that_needs_attention_is_fixed_from_the_home(alice_client, acme, customer, supplier):
    add_campaigns(acme, customer, 0, 8)
    attention = alice_client.get(reverse("home")).context["attention"]
    failed, expiring = attention.failed[0], attention.expiring[0]
    for invitation in (failed, expiring):
        response = alice_client.post(reverse("invitations:resend", args=[invitation.pk]), {"next": "/"})
        assert response.status_code == 302 and response["Location"] == "/"
        invitation.refresh_from_db()
        assert invitation.state == State.QUEUED and invitation.expires_at > timezone.now() + timedelta(
            hours=40
        )
    attention = alice_client.get(reverse("home")).context["attention"]
    assert failed not in attention.failed and expiring not in attention.expiring


@pytest.mark.django_db
def test_a_member_sees_the_numbers_without_the_buttons(client, bob, acme, customer, supplier):
    add_campaigns(acme, customer, 0, 8)
    client.force_login(bob)
    page = client.get(reverse("home")).content.decode()
    assert 'data-funnel="invited"' in page and "/resend/" not in page


@pytest.mark.django_db
def test_filters_that_mean_nothing_are_left_out_and_another_organizations_group_is_not_found(
    alice_client, acme, globex, customer, supplier
):
    add_campaigns(acme, customer, 0, 8)
    everything = list_count(alice_client, {})
    nonsense = {"stage": "x", "batch": "abc", "group": "1;drop", "state": "?", "days": "-1"}
    assert list_count(alice_client, nonsense) == everything
    assert alice_client.get(reverse("home"), {"days": "abc"}).context["activity"].days == 90
    theirs = PartnerGroup.objects.create(organization=globex, name="Norte")
    assert alice_client.get(reverse("partners:group_detail", args=[theirs.pk])).status_code == 404


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the home's partial indexes are read alone on PostgreSQL"
)
@committing
def test_the_home_reads_its_counts_from_the_indexes_made_for_it(alice_client, acme, customer, supplier):
    recent = add_campaigns(acme, customer, 0, 400)[-40:]
    add_reviews(acme, 0, 50)
    # Most were sent long before the chart's weeks, as in an installation used for years.
    Invitation.objects.exclude(pk__in=[inv.pk for inv in recent]).update(
        sent_at=F("sent_at") - timedelta(days=730)
    )
    with CaptureQueriesContext(connection) as captured:
        assert alice_client.get(reverse("home")).status_code == 200
    with connection.cursor() as cursor:
        # The reviews are counted from their index alone once their pages are all-visible, as
        # autovacuum leaves them (VACUUM runs outside a transaction).
        cursor.execute("VACUUM ANALYZE profiles_profilereview")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SET LOCAL enable_seqscan = off")
        plans = []
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN " + query["sql"])
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    made_for_it = [
        "invitation_state_idx",
        "invitation_failed_idx",
        "invitation_expiring_idx",
        "invitation_sent_idx",
        "invitation_used_idx",
        "invitation_activated_idx",
        "profile_review_state",
    ]
    assert [name for name in made_for_it if not any(name in plan for plan in plans)] == []
