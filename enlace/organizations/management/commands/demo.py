from django.core.management.base import BaseCommand
from django.db import transaction

from enlace.accounts.organizations import ensure_staff_user
from enlace.organizations.models import Membership, Organization
from enlace.partners.models import Partner
from enlace.partners.samples import ec_ruc
from enlace.partners.services import create_partner

DEMO_ADMIN_EMAIL = "admin@demo.example"
DEMO_ADMIN_PASSWORD = "enlace-demo"

CUSTOMERS = [
    ("C001", "Ferretería El Tornillo", "Quito", "Pichincha"),
    ("C002", "Distribuidora La Costa", "Guayaquil", "Guayas"),
    ("C003", "Comercial Andes Cía. Ltda.", "Cuenca", "Azuay"),
]
SUPPLIERS = [
    ("Textiles del Pacífico", "ventas@textiles-pacifico.example"),
    ("Aceros Quito", "info@acerosquito.example"),
    ("Papelera Nacional", "contacto@papelera.example"),
]


class Command(BaseCommand):
    help = "Create the demo organization, its admin and a few partners. Safe to run twice."

    @transaction.atomic
    def handle(self, *args, **options):
        organization, created = Organization.objects.get_or_create(
            slug="demo", defaults={"name": "Comercial Demo S.A.", "country": "EC", "language": "es"}
        )
        admin, _ = ensure_staff_user(email=DEMO_ADMIN_EMAIL, password=DEMO_ADMIN_PASSWORD)
        Membership.objects.get_or_create(
            organization=organization, user=admin, defaults={"role": Membership.Role.ADMIN}
        )
        if created:
            for n, (code, name, city, province) in enumerate(CUSTOMERS, start=1):
                create_partner(
                    organization=organization,
                    kind=Partner.Kind.CUSTOMER,
                    tax_id=ec_ruc(n),
                    code=code,
                    name=name,
                    city=city,
                    province=province,
                )
            for n, (name, email) in enumerate(SUPPLIERS, start=101):
                create_partner(
                    organization=organization,
                    kind=Partner.Kind.SUPPLIER,
                    tax_id=ec_ruc(n),
                    name=name,
                    email=email,
                )
        self.stdout.write(
            f"Demo organization ready. Log in as {DEMO_ADMIN_EMAIL} with password {DEMO_ADMIN_PASSWORD}"
        )
