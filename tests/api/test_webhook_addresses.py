"""Webhooks reach only the addresses that were checked: the name is looked up once (a second,
different answer of DNS is never used), special-purpose addresses are refused in every IPv6
disguise, and HTTPS still checks the certificate of the name in the URL."""

import shutil
import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import urllib3.util.connection
from django.urls import reverse

from enlace.api import webhook_requests
from enlace.api.forms import WebhookEndpointForm
from enlace.api.models import WebhookDelivery, WebhookEndpoint
from enlace.api.tasks import deliver
from enlace.api.webhooks import emit
from tests.api.test_webhooks import Receiver

PUBLIC = "93.184.215.14"


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


class StubResolver:
    """DNS for the names given, answering each lookup with the next answer (the last one
    again once they run out): what a rebinding attacker's name server does. Every other name
    and every address literal goes to the real resolver."""

    def __init__(self, monkeypatch, answers: dict):
        self.answers = answers
        self.lookups = []
        real = socket.getaddrinfo

        def getaddrinfo(host, port, *args, **kwargs):
            if host not in self.answers:
                return real(host, port, *args, **kwargs)
            self.lookups.append(host)
            answers = self.answers[host]
            addresses = answers[min(len(self.lookups) - 1, len(answers) - 1)]
            return [
                (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in addresses
            ]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def connections(monkeypatch, receiver):
    """Every connection the webhooks open, recorded by the address asked for; each is made to
    the local receiver instead, so that no test reaches the internet."""
    asked = []
    real = urllib3.util.connection.create_connection

    def create_connection(address, *args, **kwargs):
        asked.append(address)
        return real(("127.0.0.1", receiver.server.server_port), *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    return asked


def one_delivery(organization, url):
    WebhookEndpoint.objects.create(organization=organization, url=url, events=["invitation.sent"])
    [delivery] = emit(organization, "invitation.sent", {"hello": "world"})
    deliver(delivery.pk)
    return WebhookDelivery.objects.get(pk=delivery.pk)


@pytest.mark.django_db
def test_a_name_that_rebinds_to_loopback_is_reached_at_the_public_address_it_was_checked_at(
    settings, monkeypatch, acme, receiver, connections
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    dns = StubResolver(monkeypatch, {"erp.example.com": [[PUBLIC], ["127.0.0.1"]]})
    delivery = one_delivery(acme, "http://erp.example.com/hooks/enlace?x=1")
    assert dns.lookups == ["erp.example.com"]  # one lookup: the second answer is never asked for
    assert connections == [(PUBLIC, 80)]
    assert (delivery.state, delivery.response_status) == ("delivered", 204)
    [(headers, _body)] = receiver.requests
    assert headers["Host"] == "erp.example.com"


@pytest.mark.django_db
def test_a_name_answering_a_public_and_a_loopback_address_at_once_is_refused(
    settings, monkeypatch, acme, receiver, connections
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    StubResolver(monkeypatch, {"erp.example.com": [[PUBLIC, "127.0.0.1"]]})
    delivery = one_delivery(acme, "http://erp.example.com/hooks/enlace")
    assert connections == [] and receiver.requests == []
    assert (delivery.state, delivery.response_status, delivery.error) == ("pending", None, "refused")


@pytest.mark.django_db
def test_the_second_address_is_tried_when_the_first_does_not_answer(settings, monkeypatch, acme, receiver):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    StubResolver(monkeypatch, {"erp.example.com": [[PUBLIC, "93.184.215.15"]]})
    asked = []
    real = urllib3.util.connection.create_connection

    def create_connection(address, *args, **kwargs):
        asked.append(address)
        if address[0] == PUBLIC:
            raise ConnectionRefusedError(111, "Connection refused")
        return real(("127.0.0.1", receiver.server.server_port), *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    delivery = one_delivery(acme, "http://erp.example.com/hooks/enlace")
    assert asked == [(PUBLIC, 80), ("93.184.215.15", 80)] and delivery.state == "delivered"


# Each special-purpose address, also inside the IPv6 forms that carry an IPv4 address.
REFUSED = [
    "127.0.0.1",
    "10.0.0.7",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",  # CGNAT
    "169.254.169.254",  # cloud metadata
    "0.0.0.0",
    "0.1.2.3",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "[::1]",
    "[::]",
    "[fe80::1]",
    "[fc00::1]",
    "[fd12:3456::1]",
    "[ff02::1]",
    "[fec0::1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:169.254.169.254]",
    "[::127.0.0.1]",
    "[::10.0.0.1]",
    "[64:ff9b::7f00:1]",
    "[64:ff9b::a9fe:a9fe]",
    "[64:ff9b:1::7f00:1]",
    "[2002:7f00:1::]",
    "[2002:a00:1::1]",
    "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",  # Teredo
    "localhost",
    "erp.internal",
    "printer.local",
    "2130706433",  # 127.0.0.1 in the forms resolvers still read
    "0x7f.1",
    "0177.0.0.1",
    "127.1",
]


@pytest.mark.django_db
@pytest.mark.parametrize("host", REFUSED)
def test_special_purpose_addresses_are_refused_at_registration_and_at_delivery(
    settings, acme, host, connections
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    url = f"http://{host}/hook"
    form = WebhookEndpointForm({"url": url, "events": ["invitation.sent"]})
    assert not form.is_valid() and "url" in form.errors
    with pytest.raises(webhook_requests.Refused):
        webhook_requests.post(url, b"{}", {})
    delivery = one_delivery(acme, url)
    assert connections == []
    assert (delivery.response_status, delivery.error) == (None, "refused")


@pytest.mark.parametrize(
    "address",
    [PUBLIC, "8.8.8.8", "2606:4700:4700::1111", "64:ff9b::808:808", "::ffff:8.8.8.8"],
)
def test_public_addresses_are_allowed_also_when_an_ipv6_form_carries_them(settings, address):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    assert webhook_requests.address_kind(address) == webhook_requests.PUBLIC
    assert webhook_requests.allowed_address(address)


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1", True),
        ("10.0.0.7", True),
        ("100.64.0.1", True),
        ("[::1]", True),
        ("[fd12:3456::1]", True),
        ("[::ffff:192.168.1.1]", True),
        ("erp.internal", True),
        ("169.254.169.254", False),
        ("[fe80::1]", False),
        ("224.0.0.1", False),
        ("0.0.0.0", False),
        ("240.0.0.1", False),
        ("[64:ff9b::a9fe:a9fe]", False),
    ],
)
def test_allowing_private_addresses_allows_loopback_and_private_never_metadata_or_multicast(
    settings, host, allowed
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    assert webhook_requests.host_refused(host) is not allowed


@pytest.mark.django_db
def test_the_delivery_page_shows_refused_and_nothing_about_the_target(
    settings, monkeypatch, acme, alice_client
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    StubResolver(monkeypatch, {"erp.example.com": [["10.1.2.3"]]})
    delivery = one_delivery(acme, "https://erp.example.com/hook")
    page = alice_client.get(reverse("api:webhook_detail", args=[delivery.endpoint_id])).content.decode()
    assert "refused" in page and "10.1.2.3" not in page


# --- HTTPS: the name in the URL is the one TLS checks -------------------------------------------


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for erp.example.com, trusted by the webhooks for the test."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=erp.example.com",
            "-addext", "subjectAltName=DNS:erp.example.com",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_receiver(certificate, monkeypatch):
    cert, key = certificate
    requests, server_names = [], []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            requests.append((dict(self.headers), self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    class Server(HTTPServer):
        def handle_error(self, request, client_address):
            pass  # a client that refuses our certificate hangs up: expected here

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sslobj, name, ctx: server_names.append(name)
    server = Server(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(webhook_requests, "CA_CERTS", str(cert))
    yield server, requests, server_names
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_https_sends_the_name_for_sni_and_checks_the_certificate_against_it(
    settings, monkeypatch, acme, tls_receiver
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # the receiver listens on loopback
    server, requests, server_names = tls_receiver
    StubResolver(monkeypatch, {"erp.example.com": [["127.0.0.1"]], "other.example.com": [["127.0.0.1"]]})
    port = server.server_port

    delivery = one_delivery(acme, f"https://erp.example.com:{port}/hook")
    assert (delivery.state, delivery.response_status) == ("delivered", 204)
    assert server_names == ["erp.example.com"]
    assert requests[0][0]["Host"] == f"erp.example.com:{port}"

    # The same server and address under a name its certificate does not carry: refused by TLS.
    WebhookEndpoint.objects.all().delete()
    delivery = one_delivery(acme, f"https://other.example.com:{port}/hook")
    assert delivery.response_status is None and "certificate" in delivery.error.lower()
    assert len(requests) == 1


@pytest.mark.django_db
def test_an_ipv6_receiver_is_reached_at_its_address_with_the_bracketed_host(settings, acme):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    hosts = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            hosts.append(self.headers["Host"])
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    class Server(HTTPServer):
        address_family = socket.AF_INET6

    try:
        server = Server(("::1", 0), Handler)
    except OSError:
        pytest.skip("no IPv6 loopback here")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        delivery = one_delivery(acme, f"http://[::1]:{server.server_port}/hook")
    finally:
        server.shutdown()
        server.server_close()
    assert (delivery.state, hosts) == ("delivered", [f"[::1]:{server.server_port}"])
