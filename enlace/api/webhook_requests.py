"""Signed webhook requests: the signature receivers check, the POST itself, and the refusal of
addresses that are not on the public internet.

Receivers check `Enlace-Signature: t=<unix time>,v1=<hex>` where
v1 = HMAC-SHA256(endpoint secret, "<t>.<raw body>") (see docs/api.md).

The URL's host is looked up once; every address it gives is judged, and the connection goes to
one of exactly those addresses, with the original host name in the Host header and, over HTTPS,
for SNI and the certificate check. A name that answers a public address to the check and a
private one to the connection (DNS rebinding) therefore never reaches the private one.
"""

import hashlib
import hmac
import ipaddress
import re
import socket
import time
from datetime import timedelta
from urllib.parse import urlsplit

import urllib3
from django.conf import settings

SIGNATURE_HEADER = "Enlace-Signature"
TIMEOUT_SECONDS = 10
# After the first attempt fails: wait this long before each next one, then give up.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
# Certificate authorities for HTTPS receivers: None is the system's trusted ones.
CA_CERTS: str | None = None

# Names that never mean a public host: localhost and these suffixes.
PRIVATE_SUFFIXES = (".localhost", ".local", ".internal")
# IPv6 forms that carry an IPv4 address a host or a router reaches instead (the wrapper itself
# says nothing about where the packet goes): NAT64's well-known prefix and IPv4-compatible.
NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
LEGACY_IPV4 = re.compile(r"^[0-9a-fx.]+$", re.IGNORECASE)

PUBLIC, INTERNAL, FORBIDDEN = "public", "internal", "forbidden"
_SEVERITY = {PUBLIC: 0, INTERNAL: 1, FORBIDDEN: 2}


class Refused(Exception):
    """The URL's host is, or resolves to, an address webhooks may not reach. Its text is only
    "refused": the delivery log must not tell an admin anything about the network behind."""

    def __init__(self):
        super().__init__("refused")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver does (in Python): recompute the signature, compare in constant time, and
    refuse old timestamps so a captured request cannot be replayed later."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


# --- which addresses ----------------------------------------------------------------------------


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address stands for: IPv4-mapped (::ffff:a.b.c.d),
    IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d), 6to4 (2002:aabb:ccdd::) and Teredo."""
    found = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if address in NAT64 or (address in IPV4_COMPATIBLE and int(address) > 1):  # not :: nor ::1
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    return found


def _kind_of_one(address) -> str:
    if address.is_loopback:
        return INTERNAL  # also ::1, which `ipaddress` counts in the reserved ::/8
    if address.is_multicast or address.is_unspecified or address.is_link_local or address.is_reserved:
        return FORBIDDEN
    if address.version == 4 and address in THIS_NETWORK:
        return FORBIDDEN
    if address.version == 6 and address.is_site_local:
        return FORBIDDEN
    return PUBLIC if address.is_global else INTERNAL


def address_kind(address) -> str:
    """PUBLIC for an address on the public internet; INTERNAL for loopback, private, CGNAT
    (100.64/10) and other non-global unicast, which WEBHOOK_ALLOW_PRIVATE_ADDRESSES allows;
    FORBIDDEN for what no webhook reaches even then: link-local (cloud metadata services),
    multicast, unspecified, reserved. An IPv6 form that carries an IPv4 address is judged by that
    address too, and the worse of the two wins."""
    address = ipaddress.ip_address(address)
    if address.version == 6 and address.scope_id:
        address = ipaddress.IPv6Address(str(address).split("%")[0])
    if address.version == 4 or address.is_loopback:
        return _kind_of_one(address)
    inner = embedded_ipv4(address)
    if address.ipv4_mapped is not None or address in NAT64 or address in IPV4_COMPATIBLE:
        # A pure wrapper (inside ::/8, which `ipaddress` calls reserved): only what it carries counts.
        kinds = [_kind_of_one(a) for a in inner] or [FORBIDDEN]
    else:
        kinds = [_kind_of_one(address), *(_kind_of_one(a) for a in inner)]
        if address.sixtofour is not None or address.teredo is not None:
            # Deprecated transition tunnels: never public, whatever Python's version thinks.
            kinds.append(INTERNAL)
    return max(kinds, key=_SEVERITY.__getitem__)


def allowed_address(address) -> bool:
    kind = address_kind(address)
    return kind == PUBLIC or (kind == INTERNAL and settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES)


def _literal(host: str):
    """The address a host written as an address stands for, also in the legacy IPv4 forms the
    system's resolver reads without asking DNS (2130706433, 0x7f.1, 0177.0.0.1); else None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    if LEGACY_IPV4.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def host_refused(host: str) -> bool:
    """True for a host webhooks never reach, judged without looking the name up: an address
    literal that is not allowed, or a name such as localhost or *.internal (unless private
    addresses are allowed). A name is looked up, and judged again, before each delivery."""
    host = (host or "").strip().lower().rstrip(".")
    address = _literal(host)
    if address is not None:
        return not allowed_address(address)
    if not host:
        return True
    private_name = host == "localhost" or host.endswith(PRIVATE_SUFFIXES)
    return private_name and not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES


def resolve(host: str, port: int) -> list[str]:
    """The addresses of `host`, each one allowed, from one lookup; Refused if any is not.
    OSError (socket.gaierror) when the name does not resolve."""
    if host_refused(host):
        raise Refused
    literal = _literal(host)
    if literal is not None:
        return [str(literal)]
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses or not all(allowed_address(address) for address in addresses):
        raise Refused
    return addresses


# --- the request --------------------------------------------------------------------------------

# What a delivery attempt raises besides Refused: the task records it and tries again later.
REQUEST_ERRORS = (urllib3.exceptions.HTTPError, OSError, ValueError, UnicodeError)


def post(url: str, body: bytes, headers: dict) -> int:
    """POST and return the status code; an HTTP error status is returned, not raised, and a 3xx
    is the receiver's answer, not a place to go (a redirect must not lead a webhook into the
    network Enlace runs in). Raises Refused for a host that may not be reached."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url}")
    host = parts.hostname
    port = parts.port or (443 if scheme == "https" else 80)
    addresses = resolve(host, port)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host_header = parts.netloc.rpartition("@")[2]
    timeout = urllib3.Timeout(connect=TIMEOUT_SECONDS, read=TIMEOUT_SECONDS)
    error = None
    for address in addresses:
        if scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                address,
                port,
                timeout=timeout,
                retries=False,
                server_hostname=host.strip("[]"),
                cert_reqs="CERT_REQUIRED",
                ca_certs=CA_CERTS,
            )
        else:
            pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)
        with pool:
            try:
                response = pool.urlopen(
                    "POST",
                    path,
                    body=body,
                    headers={**headers, "Host": host_header},
                    redirect=False,
                    retries=False,
                    assert_same_host=False,
                    preload_content=False,
                )
            except urllib3.exceptions.ConnectTimeoutError as exc:  # also NewConnectionError
                error = exc  # this address does not answer: the next one may
                continue
            status = response.status
            response.release_conn()
            return status
    raise error
