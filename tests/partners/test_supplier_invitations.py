"""Inviting suppliers: one supplier at several addresses, resends, the selected ones, the email."""

import re
from email.header import decode_header, make_header

import pytest
from django.urls import reverse
from django.utils import timezone

from enlace.accounts.supplier_invitations import invite_partner, invite_selected
from enlace.audit.models import AuditEvent
from enlace.invitations.models import Invitation
from enlace.lib.errors import DomainError
from tests.conftest import run_worker
from tests.partners.suppliers import add_supplier

CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


def parts_of(message) -> dict:
    return {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }


def subject_of(message) -> str:
    return str(make_header(decode_header(message["Subject"]))).strip()


def invite_url(partner, step="supplier_invite", *args):
    return reverse(f"partners:{step}", args=[partner.pk, *args])


@pytest.mark.django_db
def test_one_supplier_invited_at_two_addresses_gets_two_invitations_each_with_its_code(
    smtp_server, alice_client, acme
):
    partner = add_supplier(acme, 1, name="Aceros del Sur")
    response = alice_client.post(
        invite_url(partner, "supplier_invite_send"),
        {"email": ["Compras@Aceros.example", "gerencia@aceros.example"]},
    )
    assert response.status_code == 302
    invitations = Invitation.objects.filter(partner=partner).order_by("email")
    assert [i.email for i in invitations] == ["compras@aceros.example", "gerencia@aceros.example"]
    assert {i.kind for i in invitations} == {Invitation.Kind.SUPPLIER_CODE}
    run_worker()
    assert len(smtp_server.messages) == 2
    codes = set()
    for message in smtp_server.messages:
        assert "Acme S.A." in message["From"]
        assert subject_of(message) == "Acme S.A. le invita a su red de proveedores: su código de activación"
        parts = parts_of(message)
        text = parts["text/plain"]
        assert "Acme S.A. invita a Aceros del Sur a registrarse" in text
        assert "https://enlace.test/supplier/register/" in text
        assert "funciona una sola vez" in text
        [code] = CODE.findall(text)
        assert code in parts["text/html"]
        codes.add(code)
    assert len(codes) == 2
    assert set(Invitation.objects.filter(partner=partner).values_list("state", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_the_code_email_speaks_english_for_an_english_organization(smtp_server, globex, charlie):
    globex.country = "EC"
    globex.save()
    partner = add_supplier(globex, 2, name="Andes Supplies")
    invite_partner(organization=globex, partner=partner, emails=["sales@andes.example"], by=charlie)
    run_worker()
    [message] = smtp_server.messages
    text = parts_of(message)["text/plain"]
    assert subject_of(message) == "Globex S.A. invites you to its supplier network: your activation code"
    assert "Globex S.A. invites Andes Supplies to register in its supplier network" in text
    assert "Your activation code: " in text and CODE.search(text)
    # The code lives for the organization's code lifetime, 30 days unless changed.
    assert (partner.invitations.get().expires_at - timezone.now()).days == 29


@pytest.mark.django_db
def test_an_address_already_pending_is_resent_not_duplicated(alice, acme):
    partner = add_supplier(acme, 1)
    [first] = invite_partner(organization=acme, partner=partner, emails=["a@x.example"], by=alice).invitations
    old_hash = first.secret_hash
    outcome = invite_partner(
        organization=acme, partner=partner, emails=["A@X.example", "b@x.example"], by=alice
    )
    assert outcome.invited == 2 and outcome.resent == 1
    assert Invitation.objects.filter(partner=partner).count() == 2
    first.refresh_from_db()
    assert first.generation == 2 and first.secret_hash != old_hash  # the old code is dead
    assert AuditEvent.objects.filter(invitation=first, action=AuditEvent.Action.RESENT).exists()


@pytest.mark.django_db
def test_one_bad_address_invites_nobody_and_says_which(alice_client, acme):
    partner = add_supplier(acme, 1)
    response = alice_client.post(
        invite_url(partner, "supplier_invite_send"),
        {"email": ["bien@x.example", "mal@@x", "tambien-mal"]},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Estas direcciones no son válidas: mal@@x, tambien-mal. No se invitó a nadie." in page
    assert 'value="bien@x.example"' in page  # what was typed stays in the dialog
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_the_dialog_marks_every_refused_address_at_once_and_focuses_the_first(alice_client, acme):
    partner = add_supplier(acme, 1)
    response = alice_client.post(
        invite_url(partner, "supplier_invite_send"),
        {"email": ["bien@x.example", "alice@acme.example", "mal@@x"]},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert "Esta dirección no es válida: mal@@x." in page
    assert "Esta dirección ya pertenece a un usuario: alice@acme.example." in page
    assert page.count('aria-invalid="true"') == 2
    # Each refused field says why under it; the focus goes to the first of them, the second row.
    fields = re.findall(r"<input type=\"email\"[^>]*>", page)
    assert "data-focus" not in fields[0] and "data-focus" in fields[1] and "data-focus" not in fields[2]
    assert 'id="invite-email-2-error">Ya existe un usuario con este correo electrónico.' in page
    assert 'id="invite-email-3-error">Ingrese un correo electrónico válido.' in page
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_after_sending_the_directory_keeps_its_search(alice_client, acme):
    partner = add_supplier(acme, 1)
    done = alice_client.post(
        invite_url(partner, "supplier_invite_send"),
        {"email": ["otro@x.example"]},
        headers={"HX-Request": "true", "HX-Current-URL": "https://enlace.test/suppliers/?q=andina&status="},
    )
    assert done["HX-Redirect"] == "/suppliers/?q=andina&status="
    elsewhere = alice_client.post(
        invite_url(partner, "supplier_invite_send"),
        {"email": ["otro@x.example"]},
        headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example//suppliers/"},
    )
    assert elsewhere["HX-Redirect"] == reverse("partners:supplier_list")


@pytest.mark.django_db
def test_an_address_of_an_existing_user_is_refused(alice, acme):
    partner = add_supplier(acme, 1)
    with pytest.raises(DomainError) as refused:
        invite_partner(organization=acme, partner=partner, emails=["ALICE@acme.example"], by=alice)
    assert refused.value.code == "emails_taken" and not Invitation.objects.exists()


@pytest.mark.django_db
def test_the_dialog_adds_and_removes_address_fields(alice_client, acme):
    partner = add_supplier(acme, 1)
    dialog = alice_client.get(invite_url(partner), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in dialog and 'id="invite-title"' in dialog and "hx-post=" in dialog
    assert dialog.count('name="email"') == 1 and f'value="{partner.email}"' in dialog
    two = alice_client.post(
        invite_url(partner, "supplier_invite_add"), {"email": [partner.email]}, headers={"HX-Request": "true"}
    ).content.decode()
    assert two.count('name="email"') == 2 and "Quitar" in two
    one = alice_client.post(
        invite_url(partner, "supplier_invite_remove", 0),
        {"email": [partner.email, "otro@x.example"]},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert one.count('name="email"') == 1 and 'value="otro@x.example"' in one
    assert not Invitation.objects.exists()
    done = alice_client.post(
        invite_url(partner, "supplier_invite_send"),
        {"email": ["otro@x.example"]},
        headers={"HX-Request": "true"},
    )
    assert done["HX-Redirect"] == reverse("partners:supplier_list")
    # Without JavaScript the same form is a page of its own.
    page = alice_client.get(invite_url(partner)).content.decode()
    assert "<html" in page and "hx-post=" not in page


@pytest.mark.django_db
def test_inviting_the_selected_suppliers_skips_registered_ones_and_ones_without_email(alice_client, acme):
    ready = [add_supplier(acme, n) for n in (1, 2)]
    registered = add_supplier(acme, 3, name="Ya Registrado")
    registered.company.registered_at = timezone.now()
    registered.company.save()
    silent = add_supplier(acme, 4, name="Sin Correo", email="")
    response = alice_client.post(
        reverse("partners:supplier_invite_selected"),
        {"partner": [p.pk for p in [*ready, registered, silent]]},
        follow=True,
    )
    page = response.content.decode()
    assert "Se invitó a 2 proveedores." in page
    assert "1 omitido (ya registrado): Ya Registrado" in page
    assert "1 omitido (sin correo): Sin Correo" in page
    assert sorted(Invitation.objects.values_list("partner__name", flat=True)) == sorted(p.name for p in ready)
    assert {i.email for i in Invitation.objects.all()} == {p.email for p in ready}


@pytest.mark.django_db
def test_selected_suppliers_already_pending_are_resent(alice, acme):
    partner = add_supplier(acme, 1)
    invite_selected(organization=acme, partners=[partner], by=alice)
    outcome = invite_selected(organization=acme, partners=[partner], by=alice)
    assert outcome.invited == 1 and outcome.resent == 1
    assert Invitation.objects.filter(partner=partner).count() == 1


@pytest.mark.django_db
def test_inviting_without_selecting_says_so(alice_client, acme):
    response = alice_client.post(reverse("partners:supplier_invite_selected"), {}, follow=True)
    assert "Seleccione al menos un proveedor para invitar." in response.content.decode()


@pytest.mark.django_db
def test_another_organizations_supplier_cannot_be_invited_through_the_service(acme, globex, charlie):
    partner = add_supplier(acme, 1)
    with pytest.raises(DomainError):
        invite_partner(organization=globex, partner=partner, emails=["x@y.example"], by=charlie)
    with pytest.raises(DomainError):
        invite_selected(organization=globex, partners=[partner], by=charlie)
    assert not Invitation.objects.exists()
