from django.core.management.base import BaseCommand, CommandError, no_translations

from enlace.accounts.organizations import create_organization
from enlace.lib.errors import DomainError
from enlace.lib.forms import clean_text, normalize_email


class Command(BaseCommand):
    help = "Manage organizations."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser(
            "create",
            help="Create an organization (and its first admin).",
            description="Create an organization; with --admin-email, also its first admin. "
            "A new admin's one-time password is printed once; it must be changed at first login.",
        )
        create.add_argument("slug", help="Short unique name used in commands, e.g. acme")
        create.add_argument("--name", required=True, help="The organization's display name")
        create.add_argument(
            "--country",
            required=True,
            help="ISO 3166 country code (its tax-ID rules apply), e.g. EC",
        )
        create.add_argument(
            "--language", choices=["es", "en"], default="es", help="Default language (default: es)"
        )
        create.add_argument(
            "--time-zone",
            default="",
            help="IANA time zone of its pages, emails and exports, e.g. America/Bogota "
            "(default: the country's usual zone, UTC if none)",
        )
        create.add_argument("--admin-email", help="Email of the first admin (created if new)")

    # An operator's command: its refusals in English, as its help and its other messages.
    @no_translations
    def handle(self, *args, action, **options):
        if action == "create":
            self.create(**options)

    def create(self, *, slug, name, country, language, time_zone, admin_email, **_):
        if len(country) != 2 or not country.isalpha():
            raise CommandError("--country must be a two-letter ISO 3166 code, e.g. EC")
        if admin_email:
            try:
                admin_email = normalize_email(admin_email)
            except Exception as error:
                raise CommandError(f"--admin-email: {error.messages[0]}") from None
        try:
            organization, admin, password = create_organization(
                slug=slug,
                name=clean_text(name),
                country=country,
                language=language,
                time_zone=time_zone,
                admin_email=admin_email,
            )
        except DomainError as error:
            raise CommandError(str(error.message)) from None
        self.stdout.write(
            f"Created organization {organization.slug} "
            f"({organization.name}, {organization.country}, {organization.time_zone})."
        )
        if admin:
            self.stdout.write(f"Admin: {admin.email}")
            if password:
                self.stdout.write(
                    f"One-time password (shown once, must be changed at first login): {password}"
                )
            else:
                self.stdout.write("The admin already existed and keeps their password.")
