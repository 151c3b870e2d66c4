"""Run in a separate process against a real database: prepare invitations for worker processes,
and report what became of them. `python -m tests.mail.scenario setup 60` / `report`."""

import json
import sys


def main(command, *args):
    import django

    django.setup()
    from collections import Counter

    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from enlace.accounts.samples import queue_sample_invitations
    from enlace.audit.models import AuditEvent
    from enlace.invitations.models import Invitation
    from enlace.organizations.models import Organization
    from enlace.partners.models import Partner
    from enlace.partners.samples import ec_ruc
    from enlace.partners.services import create_partner

    if command == "setup":
        count, copies = int(args[0]), int(args[1]) if len(args) > 1 else 1
        call_command("migrate", verbosity=0)
        organization = Organization.objects.create(slug="acme", name="Acme S.A.", country="EC")
        partner = create_partner(
            organization=organization,
            kind=Partner.Kind.CUSTOMER,
            tax_id=ec_ruc(1),
            code="C001",
            name="Ferretería El Tornillo",
            email="compras@tornillo.example",
        )
        invitations = queue_sample_invitations(organization=organization, partner=partner, count=count)
        if copies > 1:
            # The same chunks queued again: two workers may run the same invitations at once.
            from enlace.invitations.services import DELIVERY_CHUNK
            from enlace.invitations.tasks import deliver_invitations

            for _ in range(copies - 1):
                for start in range(0, count, DELIVERY_CHUNK):
                    chunk = invitations[start : start + DELIVERY_CHUNK]
                    deliver_invitations.enqueue([[i.pk, i.generation] for i in chunk])
    elif command == "locked-write":
        print(json.dumps(locked_write(hold=float(args[0]))))
    elif command == "report":
        workers = {w for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) for w in ids}
        print(
            json.dumps(
                {
                    "states": Counter(Invitation.objects.values_list("state", flat=True)),
                    "sent_events": AuditEvent.objects.filter(action=AuditEvent.Action.SENT).count(),
                    "workers": len(workers),
                }
            )
        )


def locked_write(hold):
    """While another connection holds SQLite's write lock for `hold` seconds, a delivery's write
    through `writing()` waits for it, and a plain transaction is refused at once."""
    import sqlite3
    import threading
    import time

    from django.db import OperationalError, connection, transaction

    from enlace.invitations.delivery.database import short_lock_waits, writing
    from enlace.organizations.models import Organization

    migrate_with_one_organization()
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(hold, lambda: other.execute("COMMIT")).start()
    report = {}
    started = time.monotonic()
    with short_lock_waits():
        try:
            with transaction.atomic():
                Organization.objects.update(name="plain")
        except OperationalError as error:
            report["plain"] = str(error)
        with writing():
            Organization.objects.update(name="retried")
    report["waited"] = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        report["busy_timeout_after"] = cursor.fetchone()[0]
    report["name"] = Organization.objects.get().name
    return report


def migrate_with_one_organization():
    from django.core.management import call_command

    from enlace.organizations.models import Organization

    call_command("migrate", verbosity=0)
    Organization.objects.create(slug="acme", name="Acme S.A.", country="EC")


if __name__ == "__main__":
    main(*sys.argv[1:])
