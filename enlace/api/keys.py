"""API keys: create (the key is shown once), revoke, and find the key a request presents."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enlace.api.models import ApiKey
from enlace.lib.errors import DomainError

# Marks the string as an Enlace key, so secret scanners and people recognize a leaked one.
KEY_START = "enl_"
PREFIX_LENGTH = 12
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_PRECISION_SECONDS = 60


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_api_key(*, organization, name: str, by=None) -> tuple[ApiKey, str]:
    """A new key for the organization. Returns (api_key, key): the key is not stored anywhere,
    so the caller shows it once and forgets it."""
    name = (name or "").strip()
    if not name:
        raise DomainError("required", _("This value is required."), field="name")
    key = KEY_START + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        organization=organization,
        name=name[:100],
        prefix=key[:PREFIX_LENGTH],
        key_hash=hash_key(key),
        created_by=by if by is not None and by.is_authenticated else None,
    )
    return api_key, key


@transaction.atomic
def revoke_api_key(*, api_key: ApiKey, now=None) -> ApiKey:
    """The key stops working at once; it stays listed, marked revoked."""
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.revoked_at is None:
        api_key.revoked_at = now or timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def find_active_key(key: str, *, now=None) -> ApiKey | None:
    """The unrevoked key with this value, or None; notes when it was last used."""
    if not key or not key.startswith(KEY_START) or len(key) > 200:
        return None
    api_key = (
        ApiKey.objects.select_related("organization")
        .filter(key_hash=hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if api_key is None:
        return None
    now = now or timezone.now()
    last = api_key.last_used_at
    if last is None or (now - last).total_seconds() >= LAST_USED_PRECISION_SECONDS:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key
