"""Signed webhook requests: the signature receivers check, the POST itself, and the refusal of
addresses that are not on the public internet.

Receivers check `Enlace-Signature: t=<unix time>,v1=<hex>` where
v1 = HMAC-SHA256(endpoint secret, "<t>.<raw body>") (see docs/api.md).
"""

import hashlib
import hmac
import ipaddress
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings

SIGNATURE_HEADER = "Enlace-Signature"
TIMEOUT_SECONDS = 10
# After the first attempt fails: wait this long before each next one, then give up.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))


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


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx is the receiver's answer, not a place to go: a redirect must not lead a webhook
    into the network Enlace runs in."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def private_host(host: str) -> bool:
    """True for a name or address that is not on the public internet (loopback, private
    ranges, link-local, cloud metadata ...), judged without looking the name up."""
    host = (host or "").strip("[]").lower()
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return False  # a name: checked again, resolved, before each delivery


def refuse_private_address(url: str) -> None:
    """ValueError unless every address the URL's host resolves to is public."""
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return
    host = urlsplit(url).hostname or ""
    if private_host(host):
        raise ValueError(f"refused: {host} is not a public address")
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as error:
        raise ValueError(f"cannot resolve {host}: {error}") from None
    if any(not ipaddress.ip_address(address.split("%")[0]).is_global for address in addresses):
        raise ValueError(f"refused: {host} resolves to a private address")


def post(url: str, body: bytes, headers: dict) -> int:
    """POST and return the status code; an HTTP error status is returned, not raised."""
    refuse_private_address(url)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
