"""issue_invitations: the importers' way to invite thousands, as issue_invitation invites one."""

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from enlace.audit.models import AuditEvent
from enlace.invitations import secrets
from enlace.invitations.lookup import find_by_token
from enlace.invitations.models import Invitation
from enlace.invitations.secrets import secret_of
from enlace.invitations.services import DELIVERY_CHUNK, issue_invitations


def invite(organization, customer, count, by=None, now=None):
    people = [{"email": f"p{n}@tornillo.example", "partner_id": customer.pk} for n in range(count)]
    return issue_invitations(
        organization=organization, kind=Invitation.Kind.REGISTRATION, people=people, by=by, now=now
    )


def test_each_person_gets_a_queued_invitation_with_its_own_secret(acme, customer, alice):
    now = timezone.now()
    ids = invite(acme, customer, 3, by=alice, now=now)

    invitations = Invitation.objects.in_bulk(ids)
    assert [invitations[pk].email for pk in ids] == [f"p{n}@tornillo.example" for n in range(3)]
    for invitation in invitations.values():
        assert invitation.state == Invitation.State.QUEUED
        assert (invitation.organization, invitation.partner, invitation.invited_by) == (acme, customer, alice)
        assert invitation.language == acme.language
        assert invitation.generation == 1
        assert invitation.expires_at == now + acme.link_lifetime
        assert find_by_token(secret_of(invitation), kind=Invitation.Kind.REGISTRATION) == invitation
    assert len({inv.secret_salt for inv in invitations.values()}) == 3
    assert all(secrets.hash_secret(secret_of(inv)) == inv.secret_hash for inv in invitations.values())


def test_each_invitation_has_its_audit_event(acme, customer, alice):
    ids = invite(acme, customer, 2, by=alice)

    events = AuditEvent.objects.filter(invitation_id__in=ids)
    assert sorted(events.values_list("invitation_id", "action", "actor", "detail")) == [
        (ids[0], AuditEvent.Action.CREATED, alice.pk, "p0@tornillo.example"),
        (ids[1], AuditEvent.Action.CREATED, alice.pk, "p1@tornillo.example"),
    ]


def test_one_delivery_task_per_chunk_of_invitations_names_each_once(acme, customer):
    ids = invite(acme, customer, DELIVERY_CHUNK + 50)

    chunks = [task.args_kwargs["args"][0] for task in DBTaskResult.objects.all()]
    assert sorted(len(chunk) for chunk in chunks) == [50, DELIVERY_CHUNK]
    assert sorted(pair for chunk in chunks for pair in chunk) == [[pk, 1] for pk in ids]
