"""An administrator edits a partner's person (names, phone, username, customer) from the person's
page, and reads what happened to them in the timeline. Only this organization's User changes;
another organization's administrators and people are out of reach."""

import pytest
from django.test import Client
from django.urls import reverse

from enlace.accounts.joining import join_account
from enlace.accounts.models import User
from enlace.accounts.services import create_customer_user, register_with_code
from enlace.accounts.supplier_invitations import invite_partner
from enlace.audit.models import AuditEvent
from enlace.invitations.models import Invitation
from enlace.partners.models import Partner
from enlace.partners.samples import ec_ruc
from enlace.partners.services import create_partner
from tests.accounts.test_disable_people import ready_person as unnamed_person
from tests.accounts.test_disable_people import sign_in
from tests.conftest import PASSWORD, ec_cedula, run_worker
from tests.partners.suppliers import add_supplier, code_of


def ready_person(organization, partner):
    person = unnamed_person(organization, partner)
    person.first_name, person.last_name = "Ana", "Pérez"
    person.save(update_fields=["first_name", "last_name"])
    return person


def edit_url(user):
    return reverse("accounts:user_edit", args=[user.pk])


def other_customer(organization, n=2):
    return create_partner(
        organization=organization, kind=Partner.Kind.CUSTOMER, tax_id=ec_ruc(n), code=f"C00{n}", name="Bodega"
    )


def form_of(user, **changes):
    return {
        "username": user.username,
        "customer": user.partner_id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        **changes,
    }


@pytest.mark.django_db
def test_an_admin_changes_names_phone_username_and_customer_and_the_timeline_says_which(
    acme, customer, alice_client
):
    person = ready_person(acme, customer)
    bodega = other_customer(acme)
    cedula = ec_cedula(43)
    spelled = f"{cedula[:3]}.{cedula[3:6]}.{cedula[6:9]}-{cedula[9:]}"

    response = alice_client.post(
        edit_url(person),
        form_of(
            person,
            first_name=" Ana  María ",
            last_name="Pérez  Loor",
            phone="099 123 4567",
            username=spelled,
            customer=bodega.pk,
        ),
    )

    assert response.status_code == 302 and response["Location"] == reverse(
        "accounts:user_detail", args=[person.pk]
    )
    person.refresh_from_db()
    assert (person.first_name, person.last_name, person.phone) == ("Ana María", "Pérez Loor", "+593991234567")
    assert person.username == cedula and person.partner == bodega  # stored compact
    event = AuditEvent.objects.get(user=person, action=AuditEvent.Action.USER_EDITED)
    assert set(event.detail.split(",")) == {"first_name", "last_name", "phone", "username", "partner"}
    page = alice_client.get(reverse("accounts:user_detail", args=[person.pk])).content.decode()
    assert "Datos modificados" in page and "Nombres, Apellidos, Teléfono, Usuario, Cliente" in page
    assert "+593991234567" in page and "Bodega" in page
    # Signed in with the new username, with the same password.
    assert sign_in(cedula)[1].status_code == 302


@pytest.mark.django_db
def test_saving_without_changes_writes_nothing(acme, customer, alice_client):
    person = ready_person(acme, customer)
    assert alice_client.post(edit_url(person), form_of(person)).status_code == 302
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.USER_EDITED).exists()


@pytest.mark.django_db
def test_bad_values_are_refused_with_a_message_each(acme, globex, customer, alice, alice_client):
    person = ready_person(acme, customer)
    taken = create_customer_user(
        organization=acme, by=alice, username=ec_cedula(44), partner=customer, email="otra@tornillo.example"
    )
    foreign = create_partner(
        organization=globex, kind=Partner.Kind.CUSTOMER, tax_id="9001234567", code="G1", name="Lejana"
    )
    cases = [
        ({"phone": "12"}, "Ingrese un número de teléfono válido."),
        ({"username": taken.username}, "Ya existe un usuario con este nombre de usuario."),
        ({"username": "123"}, "cédula"),
        ({"customer": foreign.pk}, "Escoja una opción válida"),
        ({"first_name": "  "}, "Este campo es obligatorio."),
    ]
    for changes, message in cases:
        response = alice_client.post(edit_url(person), form_of(person, **changes))
        assert response.status_code == 200 and message in response.content.decode(), changes
    fresh = User.objects.get(pk=person.pk)
    assert (fresh.username, fresh.partner_id, fresh.phone) == (person.username, customer.pk, "")


@pytest.mark.django_db
def test_a_username_of_another_organization_is_no_obstacle(acme, globex, customer, alice_client):
    person = ready_person(acme, customer)
    elsewhere = create_partner(
        organization=globex, kind=Partner.Kind.CUSTOMER, tax_id="9001234567", code="G1", name="Lejana"
    )
    User.objects.create(
        username=ec_cedula(45), email="x@lejana.example", organization=globex, partner=elsewhere
    )
    alice_client.post(edit_url(person), form_of(person, username=ec_cedula(45)))
    person.refresh_from_db()
    assert person.username == ec_cedula(45)


@pytest.mark.django_db
def test_only_admins_of_the_organization_reach_the_edit_page(acme, customer, bob, charlie):
    person = ready_person(acme, customer)
    member, outsider = Client(), Client()
    member.force_login(bob)
    outsider.force_login(charlie)
    assert member.get(edit_url(person)).status_code == 403
    assert member.post(edit_url(person), form_of(person, first_name="X")).status_code == 403
    assert outsider.get(edit_url(person)).status_code == 404
    assert outsider.post(edit_url(person), form_of(person, first_name="X")).status_code == 404
    person.refresh_from_db()
    assert person.first_name == "Ana"


@pytest.mark.django_db
def test_staff_are_not_edited_here(acme, bob, alice_client):
    assert alice_client.get(edit_url(bob)).status_code == 404


@pytest.mark.django_db
def test_editing_leaves_the_account_and_the_persons_other_organizations(acme, globex, customer, alice_client):
    at_acme = ready_person(acme, customer)
    elsewhere = create_partner(
        organization=globex, kind=Partner.Kind.CUSTOMER, tax_id="9001234567", code="G1", name="Lejana"
    )
    at_globex = User.objects.create(
        username="79845123",
        email=at_acme.email,
        organization=globex,
        partner=elsewhere,
        status="ready",
        first_name="Ana María",
        phone="+573001234567",
    )
    join_account(at_globex, account=at_acme.account, password=PASSWORD)
    at_globex.save()

    alice_client.post(edit_url(at_acme), form_of(at_acme, first_name="Anita", phone="0991234567"))

    at_globex.refresh_from_db()
    at_acme.account.refresh_from_db()
    assert (at_globex.first_name, at_globex.phone, at_globex.username) == (
        "Ana María",
        "+573001234567",
        "79845123",
    )
    assert at_acme.account.email == at_acme.email
    assert sign_in(at_acme.email)[1].status_code == 302  # the same password still opens both


@pytest.mark.django_db
def test_a_pending_persons_invitation_follows_the_new_names_and_customer(acme, customer, alice, alice_client):
    person = create_customer_user(
        organization=acme,
        by=alice,
        username=ec_cedula(46),
        partner=customer,
        email="nuevo@tornillo.example",
        first_name="Jose",
        last_name="Paz",
    )
    bodega = other_customer(acme)
    alice_client.post(edit_url(person), form_of(person, first_name="José", customer=bodega.pk))
    invitation = Invitation.objects.get(user=person)
    assert (invitation.first_name, invitation.partner_id) == ("José", bodega.pk)


@pytest.fixture
def supplier_person(acme, alice):
    return registered_supplier_person(acme, alice)


def registered_supplier_person(acme, alice):
    partner = add_supplier(acme, 1, name="Aceros del Sur")
    [invitation] = invite_partner(
        organization=acme, partner=partner, emails=["compras@aceros.example"], by=alice
    ).invitations
    run_worker()
    return register_with_code(
        code=code_of(invitation), email=invitation.email, password=PASSWORD, first_name="Rosa", last_name="P"
    )


@pytest.mark.django_db
def test_a_suppliers_person_keeps_the_address_as_username_and_the_supplier(supplier_person, alice_client):
    page = alice_client.get(edit_url(supplier_person)).content.decode()
    assert 'name="first_name"' in page and 'name="username"' not in page and 'name="customer"' not in page
    alice_client.post(
        edit_url(supplier_person),
        {"first_name": "Rosa", "last_name": "Paredes", "username": "x", "customer": 1},
    )
    supplier_person.refresh_from_db()
    assert supplier_person.last_name == "Paredes" and supplier_person.username == "compras@aceros.example"


@pytest.mark.django_db
def test_a_suppliers_person_timeline_starts_with_the_code_sent_to_the_company(supplier_person, alice_client):
    page = alice_client.get(reverse("accounts:user_detail", args=[supplier_person.pk])).content.decode()
    timeline = page[page.index('class="timeline"') :]
    for action in ("Creada", "Correo enviado", "Registrada"):
        assert action in timeline, action
    assert timeline.index("Correo enviado") < timeline.index("Registrada")
    assert "Proveedor" in page and "Aceros del Sur" in page


@pytest.mark.django_db
def test_the_supplier_directory_links_each_registered_person_to_their_page(supplier_person, alice_client):
    page = alice_client.get(reverse("partners:supplier_list")).content.decode()
    assert f'href="{reverse("accounts:user_detail", args=[supplier_person.pk])}"' in page
    assert "Rosa P" in page


@pytest.mark.django_db
def test_a_username_taken_meanwhile_is_refused_by_the_database_rule(acme, customer, alice):
    from enlace.accounts import people
    from enlace.lib.errors import DomainError

    person = ready_person(acme, customer)
    other = create_customer_user(
        organization=acme, by=alice, username=ec_cedula(47), partner=customer, email="otra@tornillo.example"
    )
    with pytest.raises(DomainError) as refused:
        people.edit(user=person, by=alice, username=other.username, first_name="Anita")
    assert refused.value.code == "username_taken" and refused.value.extra["field"] == "username"
    person.refresh_from_db()
    assert person.first_name == "Ana"
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.USER_EDITED).exists()


@pytest.mark.django_db
def test_a_person_imported_with_the_email_as_username_keeps_it_while_other_details_change(
    acme, customer, alice_client
):
    person = ready_person(acme, customer)
    User.objects.filter(pk=person.pk).update(username=person.email)
    person.refresh_from_db()
    response = alice_client.post(edit_url(person), form_of(person, phone="0991234567"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.username, person.phone) == ("compras@tornillo.example", "+593991234567")
    # Changed, it must be a national ID.
    page = alice_client.post(edit_url(person), form_of(person, username="otra@tornillo.example"))
    assert page.status_code == 200 and "cédula" in page.content.decode()
