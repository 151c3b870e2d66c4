"""Fills the web benchmark's database (run by bench/web.py, in the server's environment).

    python bench/web_data.py --partners N --out data.json

Two organizations: the one the simulated admins browse holds nine tenths of the N suppliers
and of their N activation-code invitations, the other the rest, so that every page has to
keep to its own organization. The rows go in by INSERT … SELECT FROM generate_series, on the
database server (the import path is measured by bench/imports.py). The people who register
are made by the domain functions (a customer, its users, their registration invitations),
and their link tokens derived as the emails would carry them. Writes what the load test needs
(logins, link tokens, ids and search terms) to --out as JSON.
"""

import argparse
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enlace.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from enlace.accounts.models import User  # noqa: E402
from enlace.accounts.organizations import create_organization, ensure_staff_user  # noqa: E402
from enlace.imports.models import ImportBatch  # noqa: E402
from enlace.invitations.models import Invitation  # noqa: E402
from enlace.invitations.secrets import secret_of  # noqa: E402
from enlace.invitations.services import issue_invitations  # noqa: E402
from enlace.organizations.models import Membership  # noqa: E402
from enlace.partners.models import Partner  # noqa: E402
from enlace.partners.samples import ec_ruc  # noqa: E402
from enlace.partners.services import create_partner  # noqa: E402

ADMIN_PASSWORD = "Bench-admin-7Qx!pL2m"
IMPORT_BATCHES = 120
# The first word of every sixth name is the same: a search for it matches a sixth of the rows.
FIRST_WORDS = ["Aceros", "Textiles", "Alimentos", "Maderas", "Plásticos", "Químicos"]
SECOND_WORDS = ["Andinos", "del Pacífico", "Quiteños", "del Austro", "Amazónicos", "del Litoral", "Unidos"]
FIRST_NAMES = ["María", "José", "Ana", "Luis", "Carmen", "Jorge", "Rosa", "Carlos", "Lucía", "Diego"]
LAST_NAMES = ["Paredes", "Andrade", "Vásquez", "Torres", "Cevallos", "Mora", "Salazar", "Ríos", "Vega"]

# One supplier a row: company, partner and its latest activation-code invitation. `n` numbers
# the organization's rows (1..count) and `base` keeps companies and hashes apart across them.
# States by n % 10: registered companies (0), invitations sent (1-6, one in twenty of them past
# its expiry), failed (7), expired (8), revoked (9).
COMPANIES = """
INSERT INTO partners_company (country, tax_id, name, registered_at)
SELECT 'EC', lpad((%(base)s + n)::text, 10, '0') || '001', {name},
       CASE WHEN n %% 10 = 0 THEN now() - n * interval '1 second' END
FROM generate_series(1, %(count)s) AS n
"""
PARTNERS = """
INSERT INTO partners_partner (organization_id, company_id, kind, code, name, description, address,
    city, province, phone, fax, email, created_at, updated_at)
SELECT %(organization)s, c.id, 'supplier', '', c.name, 'Materiales', 'Av. Amazonas N' || n, 'Quito',
       'Pichincha', '02 245 6789', '', 'ventas' || n || '@proveedor' || (n %% 997) || '.example',
       now() - (%(count)s - n) * interval '1 second', now()
FROM generate_series(1, %(count)s) AS n
JOIN partners_company c ON c.country = 'EC' AND c.tax_id = lpad((%(base)s + n)::text, 10, '0') || '001'
"""
INVITATIONS = """
INSERT INTO invitations_invitation (organization_id, partner_id, kind, state, email, first_name,
    last_name, phone, language, secret_salt, secret_hash, generation, expires_at, used_at,
    failed_attempts, sent_at, delivery_error, delivery_attempts, interrupted_sends, created_at,
    updated_at)
SELECT p.organization_id, p.id, 'supplier_code',
       CASE n %% 10 WHEN 0 THEN 'registered' WHEN 7 THEN 'failed' WHEN 8 THEN 'expired'
                    WHEN 9 THEN 'revoked' ELSE 'sent' END,
       p.email, (%(first_names)s::text[])[1 + n %% 10], (%(last_names)s::text[])[1 + n %% 9], '', 'es',
       md5('salt' || (%(base)s + n)), encode(sha256(('bench' || (%(base)s + n))::bytea), 'hex'), 1,
       CASE WHEN n %% 10 = 8 OR n %% 20 = 3 THEN now() - interval '1 day'
            ELSE now() + interval '30 days' END,
       CASE WHEN n %% 10 = 0 THEN now() END,
       0, now() - (%(count)s - n) * interval '1 second',
       CASE WHEN n %% 10 = 7 THEN '550 5.1.1 mailbox unavailable' ELSE '' END, 1, 0,
       now() - (%(count)s - n) * interval '1 second', now()
FROM generate_series(1, %(count)s) AS n
JOIN partners_company c ON c.country = 'EC' AND c.tax_id = lpad((%(base)s + n)::text, 10, '0') || '001'
JOIN partners_partner p ON p.company_id = c.id AND p.organization_id = %(organization)s
"""


def name_sql() -> str:
    """A supplier's name: two words chosen by n and six hex digits of its own, e.g.
    'Aceros del Austro 3f9a1c S.A.'"""
    first = "(ARRAY[" + ",".join(f"'{w}'" for w in FIRST_WORDS) + "])"
    second = "(ARRAY[" + ",".join(f"'{w}'" for w in SECOND_WORDS) + "])"
    return (
        f"{first}[1 + n % {len(FIRST_WORDS)}] || ' ' || {second}[1 + n % {len(SECOND_WORDS)}]"
        " || ' ' || substr(md5(n::text), 1, 6) || ' S.A.'"
    ).replace("%", "%%")


def add_suppliers(organization, *, count: int, base: int) -> None:
    params = {
        "organization": organization.pk,
        "count": count,
        "base": base,
        "first_names": FIRST_NAMES,
        "last_names": LAST_NAMES,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(COMPANIES.format(name=name_sql()), params)
        cursor.execute(PARTNERS, params)
        cursor.execute(INVITATIONS, params)


def organization_with_admin(slug: str, name: str, email: str):
    organization, _admin, _password = create_organization(slug=slug, name=name, country="EC")
    admin, _ = ensure_staff_user(email=email, password=ADMIN_PASSWORD)
    Membership.objects.create(organization=organization, user=admin, role=Membership.Role.ADMIN)
    return organization, admin


@transaction.atomic
def add_registering_people(organization, admin, *, count: int) -> tuple[list[str], list[int]]:
    """`count` customer users waiting to register, each with a registration link as a
    customer-users import leaves them. Returns their link tokens and user ids."""
    customer = create_partner(
        organization=organization,
        kind=Partner.Kind.CUSTOMER,
        tax_id=ec_ruc(1),
        code="C0001",
        name="Distribuidora Cliente S.A.",
    )
    users = []
    for n in range(count):
        user = User(
            username=ec_ruc(100 + n)[:10],
            email=f"persona{n}@cliente.example",
            first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
            last_name=LAST_NAMES[n % len(LAST_NAMES)],
            profile=User.Profile.CUSTOMER,
            status=User.Status.PENDING_ACTIVATION,
            organization=organization,
            partner=customer,
            language=organization.language,
        )
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users)
    people = [
        {
            "email": user.email,
            "partner_id": customer.pk,
            "user_id": user.pk,
            "first_name": user.first_name,
            "last_name": user.last_name,
        }
        for user in users
    ]
    ids = issue_invitations(
        organization=organization, kind=Invitation.Kind.REGISTRATION, people=people, by=admin, enqueue=False
    )
    tokens = [secret_of(invitation) for invitation in Invitation.objects.filter(pk__in=ids).order_by("pk")]
    return tokens, [user.pk for user in users]


def add_import_history(organization, admin) -> None:
    ImportBatch.objects.bulk_create(
        ImportBatch(
            organization=organization,
            kind=ImportBatch.Kind.values[n % len(ImportBatch.Kind.values)],
            uploaded_by=admin,
            filename=f"proveedores-{n:03d}.csv",
            status=ImportBatch.Status.APPLIED if n % 5 else ImportBatch.Status.REJECTED,
            rows=1000 + n,
            created=900 + n,
            invitations=800 + n,
        )
        for n in range(IMPORT_BATCHES)
    )


def search_terms(organization) -> dict:
    """What the admins type: a part of one name, a word in a sixth of the names, one whole tax
    ID, and the anchor of a page nine tenths down the directory."""
    suppliers = Partner.objects.filter(organization=organization, kind=Partner.Kind.SUPPLIER)
    count = suppliers.count()
    deep = suppliers.order_by("name", "pk").values_list("pk", flat=True)[count * 9 // 10]
    rare = [
        name.split()[-2]  # the six hex digits of one name
        for name in suppliers.order_by("?").values_list("name", flat=True)[:50]
    ]
    tax_ids = list(suppliers.order_by("?").values_list("company__tax_id", flat=True)[:50])
    return {
        "deep_after": deep,
        "name_parts": rare,
        "common_word": FIRST_WORDS[0].lower(),
        "tax_ids": tax_ids,
        "last_names": [name.lower() for name in LAST_NAMES],
    }


def _hash_some(count: int) -> None:
    for n in range(count):
        make_password(f"another-password-{n}")


def hashing_rate(per_process: int) -> float:
    """Passwords hashed per second with every core hashing at once, as a server registering
    many people does: Argon2 is memory-hard, so hashes side by side take longer each than one
    alone, and this, not cores / one hash's time, is what bounds the registrations."""
    processes = len(os.sched_getaffinity(0))
    connection.close()  # not shared with the forked processes
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        start = time.perf_counter()
        pool.map(_hash_some, [per_process] * processes)
        return processes * per_process / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--partners", type=int, required=True)
    parser.add_argument("--registrations", type=int, default=200)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    start = time.perf_counter()
    browsed, admin = organization_with_admin("acme", "Acme Compras S.A.", "admin@acme.example")
    other, other_admin = organization_with_admin("otra", "Otra Empresa S.A.", "admin@otra.example")
    mine = args.partners - args.partners // 10
    add_suppliers(browsed, count=mine, base=1_000_000_000)
    add_suppliers(other, count=args.partners - mine, base=2_000_000_000)
    tokens, user_ids = add_registering_people(browsed, admin, count=args.registrations)
    add_import_history(browsed, admin)
    add_import_history(other, other_admin)
    loaded = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    analyzed = time.perf_counter() - start - loaded

    hashes = 8
    hash_start = time.perf_counter()
    for n in range(hashes):
        make_password(f"a-password-{n}")
    hash_seconds = (time.perf_counter() - hash_start) / hashes
    hashes_per_second = hashing_rate(hashes)

    data = {
        "admin": {"username": admin.email, "password": ADMIN_PASSWORD},
        "registration_tokens": tokens,
        "user_ids": user_ids,
        "suppliers": mine,
        "load_seconds": round(loaded, 1),
        "analyze_seconds": round(analyzed, 1),
        "password_hash_seconds": hash_seconds,
        "password_hashes_per_second": hashes_per_second,
        **search_terms(browsed),
    }
    Path(args.out).write_text(json.dumps(data))


if __name__ == "__main__":
    main()
