"""Cursor pagination: items in the order they were created, and an opaque cursor for the next
page. Unlike page numbers, a cursor never skips or repeats an item when others are added
while an ERP walks the list."""

import base64
import binascii

from django.utils.translation import gettext_lazy as _

from enlace.lib.errors import DomainError

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"after:{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        tag, _sep, value = text.partition(":")
        if tag != "after" or not value.isdigit():
            raise ValueError
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise DomainError(
            "invalid_cursor",
            _("This cursor is not valid: use next_cursor from the previous page."),
            field="cursor",
        ) from None


def paginate(queryset, *, cursor: str | None, limit: int) -> dict:
    queryset = queryset.order_by("pk")
    if cursor:
        queryset = queryset.filter(pk__gt=decode_cursor(cursor))
    items = list(queryset[: limit + 1])
    next_cursor = encode_cursor(items[limit - 1].pk) if len(items) > limit else None
    return {"items": items[:limit], "next_cursor": next_cursor}
