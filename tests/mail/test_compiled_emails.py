"""The worker's bytes for each email are the bytes Django would have built, however they are made."""

import datetime as dt
import re

import pytest
from django.core.mail.message import sanitize_address

from enlace.accounts.models import User
from enlace.accounts.samples import queue_sample_invitations
from enlace.invitations.emails import invitation_email, reminder_email
from enlace.invitations.models import Invitation
from enlace.invitations.services import build_invitation
from enlace.mail import rendering
from enlace.mail.rendering import message, wire_bytes
from enlace.partners.models import Partner
from enlace.partners.services import create_partner


def message_of(invitation):
    return message(invitation_email(invitation))


def wire_bytes_of(invitation):
    return wire_bytes(invitation_email(invitation))


NAMES = ["", "Ana", "Ana O'Brien & <Peña>", "Zoë Ñandú", "Ana\r\nBcc: all@victims.example"]


def django_bytes(built):
    """What Django's SMTP backend sends for `built`, with the boundary and Date made neutral."""
    return neutral(built.message().as_bytes(linesep="\r\n"))


def neutral(data):
    boundary = re.search(rb'boundary="([^"]+)"', data).group(1)
    return re.sub(rb"\r\nDate: [^\r]+", b"\r\nDate: -", data.replace(boundary, b"BOUNDARY"))


@pytest.fixture
def invitations(acme, globex, customer):
    """Every kind, in both languages, with awkward names, a temporary password, no partner."""
    supplier = create_partner(
        organization=globex, kind=Partner.Kind.SUPPLIER, tax_id="900123456", code="S1", name="Aceros & <Cía>"
    )
    made = []
    for n, name in enumerate(NAMES):
        for organization, partner in ((acme, customer), (globex, supplier)):
            [activation] = queue_sample_invitations(
                organization=organization, partner=customer, count=1, start=100 * n + organization.pk
            )
            made.append(activation)
            for kind, who in ((Invitation.Kind.REGISTRATION, None), (Invitation.Kind.SUPPLIER_CODE, partner)):
                invitation = build_invitation(
                    organization=organization,
                    kind=kind,
                    email=f"p{n}-{kind}@{organization.slug}.example",
                    partner=who,
                    first_name=name,
                )
                invitation.save()
                made.append(invitation)
            Invitation.objects.filter(pk=activation.pk).update(first_name=name)
    User.objects.filter(pk=made[0].user_id).update(
        temporary_password_expires_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    )
    return list(Invitation.objects.select_related("organization", "user", "partner").order_by("pk"))


@pytest.mark.django_db
def test_every_invitation_and_reminder_is_the_same_bytes_as_djangos(invitations):
    for invitation in invitations:
        for email in (invitation_email(invitation), reminder_email(invitation)):
            built = message(email)
            sender, recipient, data = wire_bytes(email)
            assert neutral(data) == django_bytes(built), (invitation.first_name, email.template)
            assert sender == sanitize_address(built.from_email, "utf-8")
            assert recipient == invitation.email


@pytest.mark.django_db
def test_a_line_too_long_for_smtp_is_encoded_as_django_would(invitations):
    invitation = invitations[1]
    invitation.first_name = "x" * 1200  # longer than a column allows, so only in memory
    _, _, data = wire_bytes_of(invitation)
    assert b"quoted-printable" in data
    assert neutral(data) == django_bytes(message_of(invitation))


@pytest.mark.django_db
def test_most_messages_come_from_the_compiled_form(invitations, monkeypatch):
    slow = []
    real = rendering._slow_bytes
    monkeypatch.setattr(rendering, "_slow_bytes", lambda *a, **k: slow.append(1) or real(*a, **k))
    rendering._compiled.clear()
    ordinary = [i for i in invitations if i.first_name in ("", "Ana")]
    for invitation in ordinary * 3:
        wire_bytes_of(invitation)
    kinds = len(rendering._compiled)
    assert len(slow) == kinds  # the one check per kind, then none
    assert all(rendering._compiled.values())


@pytest.mark.django_db
def test_a_template_the_compiled_form_cannot_reproduce_is_rendered_each_time(invitations, monkeypatch):
    [invitation] = [i for i in invitations if i.kind == "registration" and i.first_name == "Ana"][:1]
    real = rendering.render_email

    def upper_names(name, *, context, **kwargs):
        return real(name, context={**context, "name": context["name"].upper()}, **kwargs)

    monkeypatch.setattr(rendering, "render_email", upper_names)  # a filter on a personal value
    rendering._compiled.clear()
    _, _, data = wire_bytes_of(invitation)
    assert b"Hello ANA" in data or b"Hola ANA" in data
    assert list(rendering._compiled.values()) == [None]


@pytest.mark.django_db
def test_a_first_message_the_compiled_form_cannot_take_does_not_spoil_its_kind(invitations):
    ordinary = [i for i in invitations if i.kind == "registration" and i.first_name == "Ana"][0]
    odd = Invitation.objects.get(pk=ordinary.pk)
    odd.email = '"ana maria"@acme.example'  # valid, but not a plain address
    rendering._compiled.clear()
    _, recipient, data = wire_bytes_of(odd)
    assert neutral(data) == django_bytes(message_of(odd))
    assert rendering._compiled == {}  # nothing concluded from that one
    wire_bytes_of(ordinary)
    assert [bool(kind) for kind in rendering._compiled.values()] == [True]


def test_the_html_part_declares_the_recipients_language(invitations):
    # Screen readers and mail clients pick their voice and hyphenation from it.
    languages = set()
    for invitation in invitations:
        html = message_of(invitation).alternatives[0][0]
        assert f'<html lang="{invitation.language}">' in html
        languages.add(invitation.language)
    assert languages == {"es", "en"}


def test_the_plain_text_part_and_subject_are_not_html_escaped(invitations):
    # Plain text is read as it is: "O'Brien & <Peña>" must not arrive as "O&#x27;Brien &amp; …".
    awkward = [
        i
        for i in invitations
        if i.first_name == "Ana O'Brien & <Peña>" and i.kind != Invitation.Kind.SUPPLIER_CODE  # no name in it
    ]
    assert len(awkward) >= 4
    for invitation in awkward:
        built = message_of(invitation)
        assert "Ana O'Brien & <Peña>" in built.body
        assert "&amp;" not in built.body and "&#x27;" not in built.body
        html = built.alternatives[0][0]
        assert "Ana O&#x27;Brien &amp; &lt;Peña&gt;" in html  # the HTML part stays escaped
    # The supplier's name ("Aceros & <Cía>") in a code email's text part, unescaped too.
    coded = [i for i in invitations if i.kind == Invitation.Kind.SUPPLIER_CODE and i.partner_id]
    assert any("Aceros & <Cía>" in message_of(i).body for i in coded)
