"""The secrets an invitation carries: a link token, a typed activation code, a temporary password.

Each secret is derived with HMAC-SHA256 from the server's secret key and a random 128-bit salt
stored on the invitation, and only its SHA-256 hash is stored. The worker that renders the email
later can therefore derive the same secret again, while a copy of the database alone reveals no
usable token, code or password. A new salt (resend, renew) kills the old secret.
"""

import base64
import functools
import hashlib
import hmac
import secrets

from django.conf import settings

from enlace.invitations.models import Invitation

SALT_BYTES = 16  # 128 bits of randomness behind every secret
CODE_LENGTH = 12  # Crockford base32: 12 symbols = 60 bits
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Symbols people mistype for another one, as Crockford's spec reads them.
CROCKFORD_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_salt() -> str:
    return secrets.token_hex(SALT_BYTES)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _derive(purpose: str, salt: str) -> bytes:
    """Django's salted_hmac(f"enlace.invitations.{purpose}", salt, algorithm="sha256"), with its
    key computed once per purpose: the worker derives one secret per email it sends."""
    key = _hmac_key(f"enlace.invitations.{purpose}", settings.SECRET_KEY)
    return hmac.new(key, salt.encode(), hashlib.sha256).digest()


@functools.lru_cache(maxsize=16)
def _hmac_key(key_salt: str, secret: str) -> bytes:
    return hashlib.sha256((key_salt + secret).encode()).digest()


def derive_token(salt: str) -> str:
    """A URL-safe link token (256 bits)."""
    return base64.urlsafe_b64encode(_derive("token", salt)).decode().rstrip("=")


def derive_code(salt: str) -> str:
    """A 12-symbol Crockford base32 code (60 bits), grouped for reading: 7KQ4-M2XD-9PHT."""
    number = int.from_bytes(_derive("code", salt)[:8], "big")
    symbols = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, 32)
        symbols.append(CROCKFORD[index])
    code = "".join(symbols)
    return "-".join(code[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize_code(typed: str) -> str:
    """What a person typed, in the canonical grouped form: case, spaces and dashes don't matter."""
    compact = "".join(ch for ch in typed.upper() if ch.isalnum()).translate(CROCKFORD_ALIASES)
    if len(compact) != CODE_LENGTH or any(ch not in CROCKFORD for ch in compact):
        return ""
    return "-".join(compact[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def derive_temporary_password(salt: str) -> str:
    """A temporary password people can type: 16 symbols of an unambiguous alphabet (80 bits)."""
    number = int.from_bytes(_derive("password", salt)[:10], "big")
    symbols = []
    for _ in range(16):
        number, index = divmod(number, 32)
        symbols.append(CROCKFORD[index])
    password = "".join(symbols)
    return "-".join(password[i : i + 4] for i in range(0, 16, 4))


def new_secret(kind) -> tuple[str, str]:
    """A fresh salt for an invitation of `kind`, and the hash of the secret derived from it."""
    salt = new_salt()
    return salt, hash_secret(derive_secret(kind, salt))


def secret_of(invitation) -> str:
    """The invitation's current secret in the form the person receives it."""
    return derive_secret(invitation.kind, invitation.secret_salt)


def derive_secret(kind, salt: str) -> str:
    """A supplier's typed code, or a link token for every other kind of invitation."""
    if kind == Invitation.Kind.SUPPLIER_CODE:
        return derive_code(salt)
    return derive_token(salt)
