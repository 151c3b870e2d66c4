"""The same supplier import done with django-import-export, for bench/imports.py.

    PYTHONPATH=bench/out/import-export python bench/import_export_job.py FILE.csv ORG_SLUG

A minimal resource with the same fields as Enlace's supplier import (tax ID, name,
description, city, phone, email), upserting by the supplier's company as Enlace upserts by tax
ID, in one transaction, the library's default (row by row) mode. It validates nothing beyond
what the widgets do: no tax-ID, email or phone rules, no file-wide duplicate check, no groups
and no invitations, so it does less work than Enlace. Prints the rows imported.
"""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enlace.settings")


def main(path, slug):
    import django

    django.setup()
    import tablib
    from import_export import fields, resources, widgets

    from enlace.organizations.models import Organization
    from enlace.partners.models import Company, Partner

    organization = Organization.objects.get(slug=slug)

    class CompanyWidget(widgets.ForeignKeyWidget):
        def clean(self, value, row=None, **kwargs):
            company, _created = Company.objects.get_or_create(
                country=organization.country, tax_id=value, defaults={"name": row["Name"]}
            )
            return company

    class SupplierResource(resources.ModelResource):
        company = fields.Field(attribute="company", column_name="Tax ID", widget=CompanyWidget(Company))
        name = fields.Field(attribute="name", column_name="Name")
        description = fields.Field(attribute="description", column_name="Description")
        city = fields.Field(attribute="city", column_name="City")
        phone = fields.Field(attribute="phone", column_name="Phone")
        email = fields.Field(attribute="email", column_name="Email")

        class Meta:
            model = Partner
            fields = ("company", "name", "description", "city", "phone", "email")
            import_id_fields = ("company",)

        def get_queryset(self):
            return Partner.objects.filter(organization=organization, kind=Partner.Kind.SUPPLIER)

        def before_save_instance(self, instance, row, **kwargs):
            instance.organization = organization
            instance.kind = Partner.Kind.SUPPLIER

    with open(path, encoding="utf-8", newline="") as f:
        dataset = tablib.Dataset().load(f.read(), format="csv", delimiter=";")
    result = SupplierResource().import_data(dataset, dry_run=False, use_transactions=True, raise_errors=True)
    assert not result.has_errors() and not result.has_validation_errors()
    print(result.totals["new"] + result.totals["update"])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
