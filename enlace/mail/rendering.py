"""Render an email from its three templates in the recipient's language.

Each email is `mail/<name>-subject.txt`, `mail/<name>-body.txt` and `mail/<name>-body.html`,
described by an `Email`: which templates, to whom, in which language, with what values.

`message(email)` gives a Django EmailMessage, for any email backend. `wire_bytes(email)` gives
what goes on the wire for Django's SMTP backend instead, which is much cheaper in bulk: the
templates and the MIME message are built once per kind of email (template, language, the
shared values such as the organization's name, and which personal values are empty), with
markers in place of the personal values (name, link, username ...); each message is then those
bytes with the markers replaced, HTML-escaped where the template escaped them. The first message
of each kind is also built the slow way and compared byte for byte (the MIME boundary and the
Date apart); a kind that differs, or a message whose values could change how it is encoded (a
line break, a line too long, non-ASCII where the message was 7-bit, an unusual address), is
built the slow way.

An address whose local part goes beyond ASCII (josé@uni.example) is kept as it is, in UTF-8, in
the envelope and in the To header (RFC 6531 and 6532): Django would write it as an encoded word
(`=?utf-8?b?…?=@uni.example`), which is no address at all. Such a message can only travel with
SMTPUTF8 (enlace.mail.smtp offers it to servers that take it, and refuses to send it otherwise).
"""

import html
import logging
import random
import re
import sys
import time
from dataclasses import dataclass, field
from email.utils import formatdate

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import sanitize_address
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.crypto import get_random_string
from django.utils.encoding import punycode
from django.utils.html import conditional_escape

logger = logging.getLogger(__name__)

# Longest line SMTP allows; Django switches a body to quoted-printable above it.
LINE_LIMIT = 998
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")
# Markers are ASCII letters and digits (untouched by MIME and by escaping) and a quote, which the
# HTML escaping turns into &#x27;: that tells an escaped occurrence from a raw one.
_NONCE = "Zq" + get_random_string(10, "abcdefghijklmnopqrstuvwxyz")
_MARKER = re.compile(rf"{_NONCE}(?:p(\d+)('|&#x27;)(?:\xc3\xb1)?|h(\d+)|(to)@example\.com)".encode("latin-1"))
_CACHE_SIZE = 256
_compiled = {}


@dataclass(frozen=True)
class Email:
    """One message to one recipient, before it is rendered."""

    template: str
    to: str
    language: str
    context: dict
    headers: dict = field(default_factory=dict)
    # The keys of `context` whose values many recipients share (strings and booleans such as the
    # organization's name): the compiled form keys on them; the others are the recipient's own.
    shared: frozenset = frozenset()
    # Carried by providers with tracking webhooks (django-anymail) back with a bounce.
    metadata: dict | None = None


def message(email: Email) -> EmailMultiAlternatives:
    """The email as a Django message, for any email backend."""
    built = render_email(
        email.template, to=email.to, language=email.language, context=email.context, headers=email.headers
    )
    if email.metadata is not None:
        built.metadata = email.metadata
    return built


def wire_bytes(email: Email):
    """(envelope sender, envelope recipient, message bytes) of `message(email)`, as Django's SMTP
    backend would send it. Raises ValueError if the message would not have exactly one recipient,
    `email.to`."""
    shared = {key: value for key, value in email.context.items() if key in email.shared}
    personal = {key: value for key, value in email.context.items() if key not in email.shared}
    return _email_bytes(
        email.template,
        to=email.to,
        language=email.language,
        shared=shared,
        personal=personal,
        headers=email.headers,
    )


def render_email(name: str, *, to: str, language: str, context: dict, headers=None):
    with translation.override(language):
        context = {"base_url": settings.BASE_URL, **context}
        subject = " ".join(render_to_string(f"mail/{name}-subject.txt", context).split())
        text = render_to_string(f"mail/{name}-body.txt", context)
        html = render_to_string(f"mail/{name}-body.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=context.get("from_email") or settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers or {},
    )
    message.attach_alternative(html, "text/html")
    return message


def _email_bytes(name: str, *, to: str, language: str, shared: dict, personal: dict, headers: dict):
    """wire_bytes, from the context split into its shared and personal values."""
    personal = dict(sorted(personal.items()))  # markers are numbered in this order
    if any(value and not isinstance(value, str) for value in personal.values()):
        return _slow_bytes(name, to=to, language=language, context={**shared, **personal}, headers=headers)
    # Whether a body is 7- or 8-bit depends on the values: which are ASCII is part of the kind.
    shape = tuple((k, bool(v), not v or v.isascii()) for k, v in personal.items())
    key = (name, language, tuple(sorted(shared.items())), shape, tuple(headers))
    compiled = _compiled.get(key)
    if compiled is None and key not in _compiled:
        compiled, proven = _compile(name, language, shared, personal, headers, to)
        if proven:  # compiled, or shown not to compile; else try again with the next message
            if len(_compiled) >= _CACHE_SIZE:
                _compiled.clear()
            _compiled[key] = compiled
    if compiled is not None:
        data = compiled.fill(to, personal, headers)
        if data is not None:
            return compiled.sender, to, data
    return _slow_bytes(name, to=to, language=language, context={**shared, **personal}, headers=headers)


def needs_smtputf8(address: str) -> bool:
    """Whether the address's local part goes beyond ASCII: then only SMTPUTF8 can carry it (a
    domain beyond ASCII has its ASCII form, which Django writes)."""
    local, _, _ = address.rpartition("@")
    return not local.isascii()


def _utf8_address(address: str) -> str:
    """The address as it goes with SMTPUTF8: its local part as it is, its domain in ASCII."""
    local, _, domain = address.rpartition("@")
    return f"{local}@{punycode(domain)}"


# Whom a message to an address beyond ASCII is built for, before it is given the address itself.
_STAND_IN = f"{_NONCE}utf8@example.com"


def _slow_bytes(name, *, to, language, context, headers, date=None):
    utf8 = needs_smtputf8(to)
    built_for = _STAND_IN if utf8 else to
    message = render_email(name, to=built_for, language=language, context=context, headers=headers)
    encoding = message.encoding or settings.DEFAULT_CHARSET
    recipients = [sanitize_address(address, encoding) for address in message.recipients()]
    if recipients != [sanitize_address(built_for, encoding)]:
        raise ValueError("the message must have exactly its one recipient")
    mime = message.message()
    if date is not None:
        mime.replace_header("Date", date)
    data = mime.as_bytes(linesep="\r\n")
    if utf8:
        recipients = [_utf8_address(to)]
        head, blank, body = data.partition(b"\r\n\r\n")
        stand_in = b"\r\nTo: " + _STAND_IN.encode() + b"\r\n"
        if head.count(stand_in) != 1:
            raise ValueError("the message must have exactly its one recipient")
        data = head.replace(stand_in, b"\r\nTo: " + recipients[0].encode() + b"\r\n") + blank + body
    return sanitize_address(message.from_email, encoding), recipients[0], data


class _Compiled:
    """One kind of email as byte pieces, and the numbers of the values that go between them."""

    def __init__(self, pieces, sender, personal_count, header_count):
        # A value's number: 2i for personal value i as it is, 2i + 1 HTML-escaped; then the
        # headers, the recipient, the MIME boundary and the Date.
        self.pieces = pieces  # bytes, or the number of a value
        self.sender = sender
        self.to = 2 * personal_count + header_count
        self.boundary, self.date = self.to + 1, self.to + 2
        self.size = self.to + 3
        self.boundaries = pieces.count(self.boundary)
        self.used = sorted({p for p in pieces if p.__class__ is int and p < 2 * personal_count})

    def fill(self, to, personal, headers, *, boundary=None, date=None):
        if not _PLAIN_ADDRESS.fullmatch(to):
            return None
        values = list(personal.values())
        if any(not isinstance(v, str) or "\r" in v or "\n" in v for v in values if v):
            return None
        header_values = list(headers.values())
        if any(not isinstance(v, str) or not v.isascii() or " " in v or len(v) > 200 for v in header_values):
            return None
        slots = [None] * self.size
        for number in self.used:
            value = values[number // 2]
            if number % 2:  # as autoescape does: conditional_escape, which is html.escape for a str
                value = html.escape(value) if value.__class__ is str else conditional_escape(value)
            slots[number] = value.encode()
        slots[self.to - len(header_values) : self.to] = [v.encode() for v in header_values]
        slots[self.to] = to.encode()
        slots[self.boundary] = boundary = boundary or _boundary()
        slots[self.date] = (date or _now_for_date_header()).encode()
        data = b"".join([p if p.__class__ is bytes else slots[p] for p in self.pieces])
        if data.count(boundary) != self.boundaries:
            return None  # a value happened to contain the boundary
        if max(map(len, data.split(b"\r\n"))) > LINE_LIMIT:
            return None  # Django would have switched that part to quoted-printable
        return data


_date_header = (None, "")


def _now_for_date_header() -> str:
    """formatdate() as Django's message() calls it, worked out once a second."""
    global _date_header
    second = int(time.time())
    if _date_header[0] != second:
        _date_header = (second, formatdate(second, localtime=settings.EMAIL_USE_LOCALTIME))
    return _date_header[1]


def _boundary() -> bytes:
    # As the email package draws one: 19 random digits.
    token = random.randrange(sys.maxsize)
    return ("=" * 15 + (_width % token) + "==").encode()


_width = "%0" + str(len(repr(sys.maxsize - 1))) + "d"


def _compile(name, language, shared, personal, headers, to):
    """Build the kind of email `personal` and `headers` are an instance of: (the compiled kind
    or None, whether that is proven, rather than this instance being one it cannot take)."""
    # A non-ASCII value's marker has a non-ASCII letter, so that a body it is in is 8-bit too.
    markers = {
        key: (f"{_NONCE}p{i}'{'' if value.isascii() else chr(241)}" if value else value)
        for i, (key, value) in enumerate(personal.items())
    }
    marked_headers = {key: f"{_NONCE}h{i}" for i, key in enumerate(headers)}
    try:
        message = render_email(
            name,
            to=f"{_NONCE}to@example.com",
            language=language,
            context={**shared, **markers},
            headers=marked_headers,
        )
        if _NONCE in message.subject or _NONCE in message.from_email:
            return None, True  # a personal value in a header: encoded there, it cannot be swapped
        encoding = message.encoding or settings.DEFAULT_CHARSET
        sender = sanitize_address(message.from_email, encoding)
        mime = message.message()
        data = mime.as_bytes(linesep="\r\n")
        boundary = mime.get_boundary().encode()
        date = mime["Date"].encode()
    except Exception:
        logger.exception("Email %s (%s) cannot be compiled; it is rendered for each message", name, language)
        return None, True
    if re.search(rb"Content-Transfer-Encoding: (quoted-printable|base64)", data):
        return None, True
    pieces = []
    position = 0
    count, header_count = len(personal), len(headers)
    spots = [(m.start(), m.end(), _marker_number(m, count, header_count)) for m in _MARKER.finditer(data)]
    spots += [
        (m.start(), m.end(), 2 * count + header_count + 1) for m in re.finditer(re.escape(boundary), data)
    ]
    date_at = data.index(b"\r\nDate: " + date + b"\r\n") + len(b"\r\nDate: ")
    spots.append((date_at, date_at + len(date), 2 * count + header_count + 2))
    for start, end, piece in sorted(spots):
        pieces.append(data[position:start])
        pieces.append(piece)
        position = end
    pieces.append(data[position:])
    compiled = _Compiled([p for p in pieces if p != b""], sender, count, header_count)
    # The proof: the first message of this kind, built both ways, must be the same bytes.
    try:
        check_boundary = _boundary()
        check_date = _now_for_date_header()
        fast = compiled.fill(to, personal, headers, boundary=check_boundary, date=check_date)
        if fast is None:
            return None, False  # this message's values do not fit (an unusual address, a long line)
        context = {**shared, **personal}
        _, _, slow = _slow_bytes(
            name, to=to, language=language, context=context, headers=headers, date=check_date
        )
        slow_boundary = re.search(rb'boundary="([^"]+)"', slow).group(1)
        slow = slow.replace(slow_boundary, check_boundary)
    except Exception:
        logger.exception("Email %s (%s) cannot be compiled; it is rendered for each message", name, language)
        return None, True
    if fast != slow:
        logger.warning("Email %s (%s) differs when compiled; it is rendered for each message", name, language)
        return None, True
    return compiled, True


def _marker_number(match, count, header_count):
    if match.group(4):
        return 2 * count + header_count
    if match.group(3) is not None:
        return 2 * count + int(match.group(3))
    return 2 * int(match.group(1)) + (match.group(2) != b"'")


@receiver(setting_changed)
def _forget_compiled(**kwargs):
    _compiled.clear()
