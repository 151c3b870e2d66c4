"""The home page at scale: `.venv/bin/python bench/home.py [--invitations 100000 1000000]`.

For each size, fills a fresh PostgreSQL database (ENLACE_BENCH_POSTGRES_URL, default
postgres://postgres@127.0.0.1:5432/enlace_bench_home, dropped and recreated) with one
organization whose invitations are half supplier codes and half customer people's registration
links, spread over every state and over the last 90 days (registered people with their users,
half of them activated), then asks for the home as its admin: prints the number of queries
(the same at every size) and the median, fastest and slowest time of --rounds requests, and
the same for the 30-day chart and for the activation requests list behind the first number.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/enlace_bench_home"
CHUNK = 20_000
PASSWORD = "Bench-2026-home!"
STEPS = 8  # the states an invitation of the benchmark can be in, as in tests/organizations/test_home.py


def recreate(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", admin, "-q", "-c", sql], check=True)


def fill(count: int) -> None:
    """`count` invitations of the organization `acme`, written in bulk."""
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from enlace.accounts.models import User
    from enlace.invitations.models import Invitation
    from enlace.lib.bulk import insert_rows
    from enlace.organizations.models import Organization
    from enlace.partners.models import Partner
    from enlace.partners.samples import ec_ruc
    from enlace.partners.services import create_partner

    org = Organization.objects.get(slug="acme")
    supplier = create_partner(
        organization=org, kind=Partner.Kind.SUPPLIER, tax_id=ec_ruc(1), code="P1", name="S"
    )
    customer = create_partner(
        organization=org, kind=Partner.Kind.CUSTOMER, tax_id=ec_ruc(2), code="C1", name="C"
    )
    now = timezone.now()
    for start in range(0, count, CHUNK):
        rows, people = [], []
        for i in range(start, min(start + CHUNK, count)):
            step = (i // 2) % STEPS
            customer_row = i % 2 == 1
            sent = now - timedelta(days=5 + (i * 7) % 85, minutes=i % 1440) if step >= 1 else None
            state = [
                Invitation.State.QUEUED,
                Invitation.State.SENT,
                Invitation.State.FAILED,
                Invitation.State.FAILED,
                Invitation.State.EXPIRED,
                Invitation.State.REVOKED,
                Invitation.State.REGISTERED,
                Invitation.State.REGISTERED,
            ][step]
            rows.append(
                {
                    "organization_id": org.pk,
                    "kind": Invitation.Kind.REGISTRATION if customer_row else Invitation.Kind.SUPPLIER_CODE,
                    "state": state,
                    "partner_id": customer.pk if customer_row else supplier.pk,
                    "email": f"p{i}@bench.example",
                    "secret_salt": "s",
                    "secret_hash": f"{i:064x}",
                    "expires_at": now + timedelta(hours=20 if step == 1 else 240),
                    "sent_at": sent,
                    "used_at": sent + timedelta(days=1 + i % 4) if step >= 6 else None,
                    "delivery_error": ["", "550 mailbox unavailable", "Domain not found"][step - 1]
                    if step in (2, 3)
                    else "",
                }
            )
            if customer_row and step >= 6:
                people.append(len(rows) - 1)
        user_ids = insert_rows(
            User,
            [
                {
                    "username": rows[n]["email"],
                    "email": rows[n]["email"],
                    "organization_id": org.pk,
                    "partner_id": customer.pk,
                    "profile": User.Profile.CUSTOMER,
                    "status": User.Status.READY if n % 4 == 3 else User.Status.PENDING_ACTIVATION,
                    "password": "!",
                    "date_joined": now,
                }
                for n in people
            ],
        )
        activations = []
        for n, user_id in zip(people, user_ids, strict=True):
            rows[n]["user_id"] = user_id
            if n % 4 == 3:
                activations.append(
                    {
                        **rows[n],
                        "kind": Invitation.Kind.ACTIVATION,
                        "state": Invitation.State.ACTIVATED,
                        "secret_hash": "a" + rows[n]["secret_hash"][1:],
                    }
                )
        insert_rows(Invitation, [{"user_id": None, **row} for row in rows])
        insert_rows(Invitation, activations)
    with connection.cursor() as cursor:
        # As autovacuum does soon after a bulk load: the visibility map lets the home's counts
        # read their indexes alone (index-only scans).
        cursor.execute("VACUUM ANALYZE")


def timed(client, path: str, rounds: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path, secure=True).status_code == 200
    queries = len(captured)  # before the next request clears the log
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        assert client.get(path, secure=True).status_code == 200
        times.append(time.perf_counter() - began)
    return times, queries


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invitations", type=int, nargs="+", default=[100_000])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    url = os.environ.get("ENLACE_BENCH_POSTGRES_URL", DEFAULT_URL)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="enlace.settings",
        ENLACE_DATABASE_URL=url,
        ENLACE_SECRET_KEY="bench-" + "k" * 50,
        ENLACE_CACHE_URL="locmem://",
        ENLACE_LOG_LEVEL="WARNING",
        ENLACE_ALLOWED_HOSTS="testserver",
    )
    import django

    django.setup()
    from django.test.utils import override_settings

    # No collectstatic for a benchmark: plain static URLs.
    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    # One connection for the run, as a test does, so that its queries can be counted.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from enlace.accounts.organizations import ensure_staff_user
    from enlace.organizations.models import Membership, Organization

    for count in args.invitations:
        connection.close()
        recreate(url)
        call_command("migrate", verbosity=0)
        org = Organization.objects.create(slug="acme", name="Acme S.A.", country="EC")
        admin, _ = ensure_staff_user(email="admin@acme.example", password=PASSWORD)
        Membership.objects.create(organization=org, user=admin, role=Membership.Role.ADMIN)
        began = time.perf_counter()
        fill(count)
        print(f"{count:,} invitations (PostgreSQL), written in {time.perf_counter() - began:.0f} s")
        client = Client()
        client.post("/login/", {"username": admin.email, "password": PASSWORD}, secure=True)
        assert "funnel" in client.get("/", secure=True).content.decode(), "not signed in as the admin"
        for label, path in [
            ("home, 90 days", "/"),
            ("home, 30 days", "/?days=30"),
            ("the list behind 'Registered'", "/requests/?kind=registration&stage=registered"),
        ]:
            times, queries = timed(client, path, args.rounds)
            print(
                f"  {label:<30} {queries:>3} queries  median {statistics.median(times) * 1000:7.0f} ms"
                f"  (fastest {min(times) * 1000:.0f}, slowest {max(times) * 1000:.0f}; {args.rounds} runs)"
            )


if __name__ == "__main__":
    main()
