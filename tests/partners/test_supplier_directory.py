"""The Suppliers page: search, filters, statuses, pagination, query counts, access."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enlace.accounts.supplier_invitations import invite_partner
from enlace.invitations.delivery import fail
from enlace.invitations.models import Invitation
from enlace.invitations.services import expire_overdue_invitations, revoke_invitation
from enlace.partners.models import Partner
from enlace.partners.samples import ec_ruc
from tests.partners.suppliers import add_supplier

URL = reverse("partners:supplier_list")


def rows_of(page: str) -> str:
    return page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""


@pytest.fixture
def directory(acme, alice):
    """Four suppliers of Acme, one in each status."""
    registered = add_supplier(acme, 1, name="Aceros Registrados", groups=["Metales"])
    registered.company.registered_at = timezone.now()
    registered.company.save()
    invited = add_supplier(acme, 2, name="Bodega Invitada", groups=["Metales", "Sierra"])
    invite_partner(organization=acme, partner=invited, emails=[invited.email], by=alice)
    failed = add_supplier(acme, 3, name="Cartones Fallidos")
    [invitation] = invite_partner(
        organization=acme, partner=failed, emails=[failed.email], by=alice
    ).invitations
    fail(invitation, reason="550 5.1.1 mailbox unavailable")
    quiet = add_supplier(acme, 4, name="Distribuidora Sin Invitar", email="")
    # Overdue: the code no longer works, though the periodic expiry has not marked it yet.
    expired = add_supplier(acme, 5, name="Empaques Vencidos")
    [overdue] = invite_partner(
        organization=acme, partner=expired, emails=[expired.email], by=alice
    ).invitations
    Invitation.objects.filter(pk=overdue.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    revoked = add_supplier(acme, 6, name="Ferrosa Revocada")
    [withdrawn] = invite_partner(
        organization=acme, partner=revoked, emails=[revoked.email], by=alice
    ).invitations
    revoke_invitation(invitation=withdrawn, by=alice)
    return {
        "registered": registered,
        "invited": invited,
        "failed": failed,
        "not_invited": quiet,
        "expired": expired,
        "revoked": revoked,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    [
        ec_ruc(2),
        "1700000027-001",
        "170.000.0027.001",
        " 1700 0000 27 001 ",
        "bodega",
        "VENTAS2@proveedor.example",
    ],
)
def test_suppliers_are_found_by_tax_id_in_any_punctuation_name_or_email(alice_client, directory, typed):
    assert ec_ruc(2) == "1700000027001"  # the punctuated spellings above are of this RUC
    rows = rows_of(alice_client.get(URL, {"q": typed}).content.decode())
    assert "Bodega Invitada" in rows
    assert "Aceros Registrados" not in rows


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("registered", "Aceros Registrados"),
        ("invited", "Bodega Invitada"),
        ("failed", "Cartones Fallidos"),
        ("not_invited", "Distribuidora Sin Invitar"),
        ("expired", "Empaques Vencidos"),
        ("revoked", "Ferrosa Revocada"),
    ],
)
def test_the_status_filter_shows_only_suppliers_in_that_status(alice_client, directory, status, expected):
    rows = rows_of(alice_client.get(URL, {"status": status}).content.decode())
    names = [p.name for p in directory.values()]
    assert [name for name in names if name in rows] == [expected]


@pytest.mark.django_db
def test_the_group_filter(alice_client, acme, directory):
    sierra = acme.partner_groups.get(name="Sierra")
    rows = rows_of(alice_client.get(URL, {"group": sierra.pk}).content.decode())
    assert "Bodega Invitada" in rows and "Aceros Registrados" not in rows


@pytest.mark.django_db
def test_each_status_reads_clearly_and_a_failure_shows_its_reason(alice_client, directory):
    page = alice_client.get(URL).content.decode()
    # The check mark is decoration; its meaning is in the tooltip and for screen readers in text.
    assert 'class="verified" aria-hidden="true">✓' in page
    assert 'title="Registrado en la red' in page
    assert '<span class="visually-hidden">: esta empresa confirmó sus datos' in page
    assert "Invitado (pendiente)" in page and "No invitado" in page
    assert "No se pudo entregar el correo: 550 5.1.1 mailbox unavailable" in page
    assert "Invitación vencida" in page and "Invitación revocada" in page


@pytest.mark.django_db
def test_a_supplier_whose_invitation_expired_is_no_longer_shown_as_invited(alice_client, directory):
    rows = rows_of(alice_client.get(URL, {"status": "invited"}).content.decode())
    assert "Empaques Vencidos" not in rows
    expire_overdue_invitations()  # once marked, it reads the same
    rows = rows_of(alice_client.get(URL, {"status": "expired"}).content.decode())
    assert "Empaques Vencidos" in rows


@pytest.mark.django_db
def test_the_page_speaks_english_to_an_english_organization(client, charlie, globex):
    globex.country = "EC"
    globex.save()
    charlie.language = ""  # no personal preference: the organization's language
    charlie.save()
    add_supplier(globex, 7, name="Andes Supplies")
    client.force_login(charlie)
    page = client.get(URL).content.decode()
    assert "Suppliers" in page and "Not invited" in page and "Invite selected" in page


@pytest.mark.django_db
def test_the_invite_button_is_only_on_suppliers_not_registered(alice_client, directory):
    page = alice_client.get(URL).content.decode()
    for key, partner in directory.items():
        has_button = reverse("partners:supplier_invite", args=[partner.pk]) in page
        assert has_button == (key != "registered"), key


@pytest.mark.django_db
def test_registration_by_any_organization_shows_the_check_to_every_other(
    client, charlie, globex, acme, alice
):
    globex.country = "EC"
    globex.save()
    theirs = add_supplier(globex, 9, name="Shared Supplier Ltd")
    add_supplier(acme, 9, name="Proveedor Compartido")
    assert theirs.company.registered_at is None
    theirs.company.registered_at = timezone.now()
    theirs.company.save()
    client.force_login(alice)
    rows = rows_of(client.get(URL, {"status": "registered"}).content.decode())
    assert "Proveedor Compartido" in rows


@pytest.mark.django_db
def test_the_directory_runs_a_fixed_number_of_queries_whatever_the_page_holds(alice_client, acme, alice):
    def queries_for_page():
        with CaptureQueriesContext(connection) as queries:
            assert alice_client.get(URL).status_code == 200
        return len(queries)

    for n in range(1, 4):
        invite_partner(
            organization=acme,
            partner=add_supplier(acme, n, groups=["G"]),
            emails=[f"a{n}@x.example"],
            by=alice,
        )
    few = queries_for_page()
    for n in range(4, 40):
        partner = add_supplier(acme, n, groups=["G", f"H{n}"])
        invite_partner(organization=acme, partner=partner, emails=[f"a{n}@x.example"], by=alice)
    assert queries_for_page() == few
    # session, user, memberships, the person's other organizations (the header's switcher), the
    # groups for the filter, the page (statuses included), the page's groups, and the page's
    # registered people
    assert few == 8


@pytest.mark.django_db
def test_pages_follow_one_another_without_counting_rows(alice_client, acme):
    for n in range(1, 121):
        add_supplier(acme, n, email="")
    with CaptureQueriesContext(connection) as queries:
        first = alice_client.get(URL).content.decode()
    assert "Proveedor 001" in first and "Proveedor 050" in first and "Proveedor 051" not in first
    # Nothing counts the suppliers: the page fetches one row more than it shows to know if more follow.
    assert not [
        q for q in queries.captured_queries if "partners_partner" in q["sql"] and "COUNT(" in q["sql"]
    ]
    assert ">Siguiente</a>" in first and ">Anterior</a>" not in first
    after = Partner.objects.get(name="Proveedor 050").pk
    second = alice_client.get(URL, {"after": after}).content.decode()
    assert "Proveedor 051" in rows_of(second) and "Proveedor 100" in rows_of(second)
    assert "Proveedor 050" not in rows_of(second)
    third = alice_client.get(URL, {"after": Partner.objects.get(name="Proveedor 100").pk}).content.decode()
    assert "Proveedor 120" in rows_of(third) and ">Siguiente</a>" not in third and ">Anterior</a>" in third
    back = alice_client.get(URL, {"before": Partner.objects.get(name="Proveedor 101").pk}).content.decode()
    assert rows_of(back) == rows_of(second)


@pytest.mark.django_db
def test_another_organizations_supplier_is_not_found(client, charlie, acme):
    acme_supplier = add_supplier(acme, 5)
    client.force_login(charlie)
    assert client.get(reverse("partners:supplier_invite", args=[acme_supplier.pk])).status_code == 404
    assert (
        client.post(
            reverse("partners:supplier_invite_send", args=[acme_supplier.pk]),
            {"email": "x@y.example"},
        ).status_code
        == 404
    )
    assert client.get(reverse("partners:supplier_added", args=[acme_supplier.pk])).status_code == 404
    response = client.post(reverse("partners:supplier_invite_selected"), {"partner": [acme_supplier.pk]})
    assert response.status_code == 404
    assert not Invitation.objects.exists()
    # Another organization's row as a pagination anchor just gives the first page.
    assert client.get(URL, {"after": acme_supplier.pk}).status_code == 200
    assert "Proveedor 005" not in client.get(URL).content.decode()


@pytest.mark.django_db
def test_members_see_the_directory_but_only_admins_invite_or_add(client, bob, acme):
    partner = add_supplier(acme, 5)
    client.force_login(bob)
    page = client.get(URL).content.decode()
    assert "Proveedor 005" in page and "Invitar seleccionados" not in page
    assert client.get(reverse("partners:supplier_create")).status_code == 403
    assert (
        client.post(
            reverse("partners:supplier_invite_send", args=[partner.pk]), {"email": "a@b.example"}
        ).status_code
        == 403
    )


@pytest.mark.django_db
def test_adding_a_supplier_needs_an_email_and_then_offers_to_send_the_invitation(alice_client, acme):
    form = {"tax_id": "170.000.0019-001", "name": "Nuevo Proveedor", "email": ""}
    refused = alice_client.post(reverse("partners:supplier_create"), form)
    assert refused.status_code == 200 and "Este campo es obligatorio" in refused.content.decode()
    saved = alice_client.post(
        reverse("partners:supplier_create"),
        {**form, "email": "Ventas@Nuevo.example", "groups": "Costa; Metales"},
    )
    partner = Partner.objects.get(organization=acme, kind=Partner.Kind.SUPPLIER)
    assert saved.url == reverse("partners:supplier_added", args=[partner.pk])
    assert partner.company.tax_id == ec_ruc(1) and partner.email == "ventas@nuevo.example"
    assert sorted(g.name for g in partner.groups.all()) == ["Costa", "Metales"]
    choice = alice_client.get(saved.url).content.decode()
    assert "Enviar invitación" in choice and "ventas@nuevo.example" in choice
    sent = alice_client.post(
        reverse("partners:supplier_invite_send", args=[partner.pk]), {"email": partner.email}
    )
    assert sent.status_code == 302
    invitation = Invitation.objects.get(partner=partner)
    assert invitation.kind == Invitation.Kind.SUPPLIER_CODE and invitation.state == Invitation.State.QUEUED
    again = alice_client.post(reverse("partners:supplier_create"), form | {"email": "otro@nuevo.example"})
    assert "ya está en su lista" in again.content.decode()
