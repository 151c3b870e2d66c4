"""The one writer of audit events, and the hook through which others learn of them.

Every state change of a user or an invitation writes its event here, inside the transaction of
the change: one at a time with `record`, many at once with `record_many`. Apps that act on
events (the API's webhooks) subscribe with `subscribe` instead of listening to model signals,
which bulk writes bypass. A subscriber says which events it watches (`watches`) so that writers
of many events can keep the cheap path for the rest, and is called with each watched event once
it is written (`recorded`), still inside the transaction.
"""

from typing import Protocol

from django.db import connection

from enlace.audit.models import AuditEvent
from enlace.lib.bulk import insert_rows

Action = AuditEvent.Action

# The columns every writer fills, in the order of `insert_statement`.
COLUMNS = ("organization", "action", "user", "invitation", "detail", "created_at")
DETAIL_LENGTH = 500


class Subscriber(Protocol):
    def watches(self, organization_id: int, action: str) -> bool: ...

    def recorded(self, event: AuditEvent) -> None: ...


_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> None:
    """Have `subscriber` told of every event it watches (called once, from an AppConfig.ready)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def is_watched(organization_id: int, action: str) -> bool:
    """Whether any subscriber wants to hear of this organization's events of this action."""
    return any(subscriber.watches(organization_id, action) for subscriber in _subscribers)


def record(
    *, organization, action: str, actor=None, user=None, invitation=None, partner=None, detail: str = ""
):
    """Write one audit event. Call it inside the transaction of the change it describes."""
    event = AuditEvent.objects.create(
        organization=organization,
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        user=user,
        invitation=invitation,
        partner=partner,
        detail=detail[:DETAIL_LENGTH],
    )
    _tell_subscribers(event)
    return event


def record_many(rows) -> None:
    """Write many audit events at once: dicts of organization_id, action and any of actor_id,
    user_id, invitation_id and detail, all with the same keys.

    Events that a subscriber watches are written one by one, so that it hears of each; the rest
    in bulk, without a model instance per event.
    """
    rows = list(rows)
    watched = {}
    plain = []
    for row in rows:
        key = (row["organization_id"], row["action"])
        if key not in watched:
            watched[key] = is_watched(*key)
        if len(row.get("detail", "")) > DETAIL_LENGTH:
            row = {**row, "detail": row["detail"][:DETAIL_LENGTH]}
        if watched[key]:
            event = AuditEvent.objects.create(**row)
            _tell_subscribers(event)
        else:
            plain.append(row)
    insert_rows(AuditEvent, plain)


def insert_statement() -> str:
    """`INSERT INTO <events> (<COLUMNS>)`, for a writer that composes it into a statement of its
    own (the mail delivery's fast path), with the values in the order of COLUMNS. Such a writer
    must use it only for events that `is_watched` says nobody watches."""
    opts = AuditEvent._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(opts.get_field(name).column) for name in COLUMNS)
    return f"INSERT INTO {quote(opts.db_table)} ({columns})"


def _tell_subscribers(event: AuditEvent) -> None:
    for subscriber in _subscribers:
        if subscriber.watches(event.organization_id, event.action):
            subscriber.recorded(event)
