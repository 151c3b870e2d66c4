from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Company(models.Model):
    """A legal entity on the network, one per (country, compact tax ID).

    It registers once; from then on every organization that lists it sees it as registered.
    """

    country = models.CharField(max_length=2)
    tax_id = models.CharField(_("tax ID"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    registered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "companies"
        constraints = [models.UniqueConstraint(fields=["country", "tax_id"], name="one_company_per_tax_id")]

    def __str__(self):
        return f"{self.name} ({self.country} {self.tax_id})"

    @property
    def is_registered(self) -> bool:
        return self.registered_at is not None


class PartnerGroup(models.Model):
    """A label an organization puts on its partners (region, category, price list ...)."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="partner_groups"
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint("organization", Lower("name"), name="one_group_name_per_org")]

    def __str__(self):
        return self.name


class Partner(models.Model):
    """One organization's record of a company it trades with, as a supplier or a customer."""

    class Kind(models.TextChoices):
        SUPPLIER = "supplier", _("Supplier")
        CUSTOMER = "customer", _("Customer")

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="partners",
        db_index=False,  # the unique constraints and indexes that start with it serve its look-ups
    )
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="partners")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=50, blank=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.CharField(_("description"), max_length=500, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    province = models.CharField(_("province"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    fax = models.CharField(_("fax"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    groups = models.ManyToManyField(PartnerGroup, blank=True, related_name="partners")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The partner's own text fields, as a form, the API and an import file give them.
    TEXT_FIELDS = ("code", "name", "description", "address", "city", "province", "phone", "fax", "email")

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "company"], name="one_partner_per_company"
            ),
            models.UniqueConstraint(
                fields=["organization", "kind", "code"],
                condition=~models.Q(code=""),
                name="one_partner_per_code",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "kind", "name"]),
            models.Index(fields=["organization", "kind", "email"]),
        ]

    def __str__(self):
        return f"{self.code} {self.name}".strip()

    @property
    def tax_id(self) -> str:
        return self.company.tax_id
