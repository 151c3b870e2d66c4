import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from enlace.accounts.services import create_customer_user
from enlace.api import tasks, webhook_requests, webhooks
from enlace.api.models import WebhookDelivery, WebhookEndpoint
from enlace.api.services import add_webhook_endpoint
from tests.conftest import ec_cedula, run_worker


class Receiver:
    """An HTTP server on 127.0.0.1 that records each POST and answers with `status`."""

    def __init__(self):
        self.requests = []
        self.status = 204
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/enlace"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


def invite_ana(acme, alice, customer):
    return create_customer_user(
        organization=acme, by=alice, username=ec_cedula(31), partner=customer, email="ana@tornillo.example"
    )


@pytest.mark.django_db
def test_a_sent_invitation_is_posted_signed_to_the_subscribed_url(receiver, acme, alice, customer):
    endpoint = add_webhook_endpoint(organization=acme, url=receiver.url, events=["invitation.sent"])
    add_webhook_endpoint(organization=acme, url=receiver.url + "/other", events=["invitation.failed"])
    user = invite_ana(acme, alice, customer)
    run_worker()  # sends the email, which emits the event, whose delivery the worker then runs
    [(headers, body)] = receiver.requests
    assert headers["Enlace-Event"] == "invitation.sent"
    assert webhook_requests.verify(endpoint.secret, headers["Enlace-Signature"], body)
    assert not webhook_requests.verify("another-secret", headers["Enlace-Signature"], body)
    assert not webhook_requests.verify(endpoint.secret, headers["Enlace-Signature"], body + b" ")
    payload = json.loads(body)
    assert payload["event"] == "invitation.sent" and payload["id"] == int(headers["Enlace-Delivery"])
    assert payload["data"]["invitation"]["user_id"] == user.pk
    assert payload["data"]["partner"]["code"] == "C001"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("delivered", 1, 204)


@pytest.mark.django_db
def test_an_old_signature_is_refused_so_requests_cannot_be_replayed():
    body = b'{"event":"invitation.sent"}'
    header = webhook_requests.sign("s3cret", 1_700_000_000, body)
    assert webhook_requests.verify("s3cret", header, body, now=1_700_000_100)
    assert not webhook_requests.verify("s3cret", header, body, now=1_700_000_000 + 3600)
    assert not webhook_requests.verify("s3cret", "garbage", body)


@pytest.mark.django_db
def test_a_failing_receiver_is_retried_later_then_given_up(receiver, acme, alice, customer):
    receiver.status = 500
    add_webhook_endpoint(organization=acme, url=receiver.url, events=["invitation.sent"])
    invite_ana(acme, alice, customer)
    run_worker()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.error) == ("pending", 1, "HTTP 500")
    retry = DBTaskResult.objects.filter(task_path="enlace.api.tasks.deliver_webhook", status="READY").get()
    assert retry.run_after is not None and retry.args_kwargs["args"] == [delivery.pk]

    for _ in webhook_requests.RETRY_DELAYS:
        tasks.deliver(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("failed", 1 + len(webhook_requests.RETRY_DELAYS))
    assert tasks.deliver(delivery.pk) == "skipped"
    assert len(receiver.requests) == 1 + len(webhook_requests.RETRY_DELAYS)


@pytest.mark.django_db
def test_an_unreachable_url_is_recorded_not_raised(acme, alice, customer):
    endpoint = add_webhook_endpoint(
        organization=acme, url="http://127.0.0.1:9/nothing", events=["invitation.sent"]
    )
    [delivery] = webhooks.emit(acme, "invitation.sent", {"x": 1})
    assert tasks.deliver(delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert delivery.error and delivery.response_status is None
    assert delivery.endpoint == endpoint


@pytest.mark.django_db
def test_activation_and_partner_registration_events(acme, alice, customer, receiver):
    add_webhook_endpoint(
        organization=acme, url=receiver.url, events=["invitation.registered", "partner.registered"]
    )
    from enlace.audit.models import AuditEvent
    from enlace.audit.services import record

    user = invite_ana(acme, alice, customer)
    invitation = user.invitations.get()
    record(organization=acme, action=AuditEvent.Action.REGISTERED, user=user, invitation=invitation)
    assert sorted(WebhookDelivery.objects.values_list("event", flat=True)) == [
        "invitation.registered",
        "partner.registered",
    ]


@pytest.mark.django_db
def test_events_of_one_organization_never_reach_anothers_url(receiver, acme, alice, customer, globex):
    add_webhook_endpoint(organization=globex, url=receiver.url, events=list(WebhookEndpoint.Event.values))
    invite_ana(acme, alice, customer)
    run_worker()
    assert receiver.requests == [] and not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_an_admin_registers_a_url_sees_its_secret_and_log_and_removes_it(alice_client, acme, bob, client):
    response = alice_client.post(
        reverse("api:webhook_list"), {"url": "https://erp.acme.example/hooks", "events": ["invitation.sent"]}
    )
    endpoint = WebhookEndpoint.objects.get(organization=acme)
    assert response.status_code == 302 and endpoint.events == ["invitation.sent"]
    webhooks.emit(acme, "invitation.sent", {"x": 1})
    page = alice_client.get(reverse("api:webhook_detail", args=[endpoint.pk])).content.decode()
    assert endpoint.secret in page and "Invitación enviada" in page and "Pendiente" in page

    bad = alice_client.post(
        reverse("api:webhook_list"), {"url": "ftp://erp.acme.example", "events": ["nope"]}
    )
    assert bad.status_code == 200 and WebhookEndpoint.objects.count() == 1

    client.force_login(bob)
    assert client.post(reverse("api:webhook_remove", args=[endpoint.pk])).status_code == 403
    assert alice_client.post(reverse("api:webhook_remove", args=[endpoint.pk])).status_code == 302
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://169.254.169.254/latest/meta-data",
        "https://localhost/x",
        "http://10.0.0.7/hook",
        "http://[::1]/hook",
        "https://erp.internal/hook",
    ],
)
def test_webhooks_never_reach_private_addresses(settings, url):
    from urllib.parse import urlsplit

    from enlace.api.forms import WebhookEndpointForm

    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    form = WebhookEndpointForm({"url": url, "events": ["invitation.sent"]})
    assert not form.is_valid() and "url" in form.errors
    with pytest.raises(webhook_requests.Refused, match="refused"):
        webhook_requests.resolve(urlsplit(url).hostname, 80)


@pytest.mark.django_db
def test_a_delivery_to_a_name_that_resolves_privately_is_only_logged_as_refused(settings, acme, monkeypatch):
    import socket

    from enlace.api.models import WebhookDelivery, WebhookEndpoint
    from enlace.api.tasks import deliver
    from enlace.api.webhooks import emit

    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, **kw: [(2, 1, 6, "", ("10.1.2.3", port))])
    WebhookEndpoint.objects.create(
        organization=acme, url="https://erp.example.com/hook", events=["invitation.sent"]
    )
    [delivery] = emit(acme, "invitation.sent", {"hello": "world"})
    deliver(delivery.pk)
    delivery = WebhookDelivery.objects.get(pk=delivery.pk)
    assert (delivery.response_status, delivery.error) == (None, "refused")
