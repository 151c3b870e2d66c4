"""Admins resend, renew and revoke invitations from the requests page; members only look;
another organization's invitation does not exist."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from enlace.accounts.services import register_with_link
from enlace.audit.models import AuditEvent
from enlace.invitations.models import Invitation
from enlace.invitations.secrets import secret_of
from enlace.invitations.services import expire_overdue_invitations
from tests.conftest import link_in, run_worker

LIST = reverse("invitations:list")


def resend(browser, invitation, **data):
    return browser.post(reverse("invitations:resend", args=[invitation.pk]), data)


def revoke(browser, invitation, **data):
    return browser.post(reverse("invitations:revoke", args=[invitation.pk]), data)


def link_status(message) -> int:
    browser = Client()
    browser.get(link_in(message, "/r/"))
    return browser.get(reverse("accounts:register")).status_code


@pytest.mark.django_db
def test_resend_sends_a_fresh_link_and_kills_the_old_one(alice_client, people):
    maria = people[0]
    run_worker()
    first = mail.outbox[0]
    response = resend(alice_client, maria, next=LIST + "?state=sent&page=1")
    assert response.status_code == 302 and response["Location"] == LIST + "?state=sent&page=1"
    page = alice_client.get(response["Location"]).content.decode()
    assert "Un nuevo correo a maria@tornillo.example está en camino" in page
    run_worker()
    second = mail.outbox[-1]
    assert second.to == ["maria@tornillo.example"]
    assert link_status(first) == 410
    assert link_status(second) == 200
    maria.refresh_from_db()
    assert maria.generation == 2 and maria.state == Invitation.State.SENT
    assert maria.audit_events.filter(action=AuditEvent.Action.RESENT).count() == 1


@pytest.mark.django_db
def test_renew_gives_an_expired_invitation_48_more_hours(alice_client, people):
    maria = people[0]
    run_worker()
    with time_machine.travel(timezone.now() + timedelta(hours=50), tick=False):
        expire_overdue_invitations()
        maria.refresh_from_db()
        assert maria.state == Invitation.State.EXPIRED
        assert "Renovar" in alice_client.get(LIST).content.decode()
        response = resend(alice_client, maria)
        assert response["Location"] == LIST
        assert "fue renovada" in alice_client.get(LIST).content.decode()
        maria.refresh_from_db()
        assert maria.expires_at == timezone.now() + timedelta(hours=48)
        run_worker()
        assert link_status(mail.outbox[-1]) == 200
    assert maria.audit_events.filter(action=AuditEvent.Action.RENEWED).count() == 1


@pytest.mark.django_db
def test_revoke_asks_first_then_kills_the_link(alice_client, people):
    maria = people[0]
    run_worker()
    confirm = alice_client.get(reverse("invitations:revoke", args=[maria.pk]), {"next": LIST + "?q=maria"})
    html = confirm.content.decode()
    assert "¿Revocar esta invitación?" in html and "maria@tornillo.example" in html
    assert 'href="/requests/?q=maria"' in html  # Cancel goes back to the filtered list
    maria.refresh_from_db()
    assert maria.state == Invitation.State.SENT  # asking changes nothing

    response = revoke(alice_client, maria, next=LIST)
    assert "fue revocada" in alice_client.get(response["Location"]).content.decode()
    maria.refresh_from_db()
    assert maria.state == Invitation.State.REVOKED
    assert link_status(mail.outbox[0]) == 410
    assert 'class="badge revoked"' in alice_client.get(LIST, {"state": "revoked"}).content.decode()


@pytest.mark.django_db
def test_a_used_invitation_can_be_neither_resent_nor_revoked(alice_client, people):
    maria = people[0]
    register_with_link(token=secret_of(maria), password="Cuenca-Loja-2026!", first_name="M", last_name="P")
    for action in (resend, revoke):
        response = action(alice_client, maria)
        page = alice_client.get(response["Location"]).content.decode()
        assert "ya fue usada o revocada" in page
    maria.refresh_from_db()
    assert maria.state == Invitation.State.REGISTERED and maria.generation == 1


@pytest.mark.django_db
def test_a_member_can_look_but_not_act(acme, bob, people):
    browser = Client()
    browser.force_login(bob)
    maria = people[0]
    assert browser.get(LIST).status_code == 200
    assert resend(browser, maria).status_code == 403
    assert revoke(browser, maria).status_code == 403
    assert browser.get(reverse("invitations:revoke", args=[maria.pk])).status_code == 403
    maria.refresh_from_db()
    assert maria.state == Invitation.State.QUEUED and maria.generation == 1


@pytest.mark.django_db
def test_another_organizations_invitation_is_a_404(charlie, people):
    browser = Client()
    browser.force_login(charlie)
    maria = people[0]
    assert resend(browser, maria).status_code == 404
    assert revoke(browser, maria).status_code == 404
    assert browser.get(reverse("invitations:revoke", args=[maria.pk])).status_code == 404
    maria.refresh_from_db()
    assert maria.state == Invitation.State.QUEUED and maria.generation == 1


@pytest.mark.django_db
def test_actions_need_the_csrf_token(alice, people):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    assert revoke(browser, people[0]).status_code == 403
    people[0].refresh_from_db()
    assert people[0].state == Invitation.State.QUEUED


@pytest.mark.django_db
def test_going_back_never_leaves_the_site(alice_client, people):
    response = revoke(alice_client, people[0], next="https://evil.example/")
    assert response["Location"] == LIST
    html = alice_client.get(
        reverse("invitations:revoke", args=[people[1].pk]), {"next": "javascript:alert(1)"}
    )
    assert "javascript:" not in html.content.decode()
