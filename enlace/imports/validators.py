"""Row rules of each import. A validator checks every row and then the file as a whole, and
collects every error; it reads the database only with set-based queries, in chunks."""

import re
from collections import defaultdict
from itertools import islice

from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from enlace.accounts.models import User
from enlace.imports import columns as import_columns
from enlace.lib.forms import normalize_email, normalize_phone
from enlace.partners.models import Company, Partner
from enlace.partners.taxids import normalize_tax_id

QUERY_CHUNK = 500  # well under SQLite's limit of bound parameters
GROUP_SEPARATORS = re.compile(r"[;|]")


def chunked(items, size=QUERY_CHUNK):
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class Validator:
    """Checks rows one by one (`check`), then across the file (`finish`).

    Clean rows are kept as (row number, {key: value}); errors as dicts ready for JSON.
    """

    kind = ""

    def __init__(self, *, organization, present=()):
        self.organization = organization
        self.country = organization.country
        self.columns = {c.key: c for c in import_columns.COLUMNS[self.kind]}
        self.present = set(present) or set(self.columns)
        self.rows = []
        self.errors = []
        self._bad_rows = set()

    def error(self, number, key, value, code, message) -> None:
        self._bad_rows.add(number)
        self.errors.append(
            {
                "row": number,
                "column": str(self.columns[key].label),
                "key": key,
                "value": value,
                "code": code,
                "message": str(message),
            }
        )

    # --- cell rules -----------------------------------------------------------------------

    def text(self, number, row, key):
        value = row.get(key, "")
        column = self.columns[key]
        if not value and column.required:
            self.error(number, key, value, "required", _("This value is required."))
            return None
        if len(value) > column.max_length:
            self.error(
                number,
                key,
                value,
                "too_long",
                _("At most %(max)s characters.") % {"max": column.max_length},
            )
            return None
        return value

    def email(self, number, row, key="email"):
        value = self.text(number, row, key)
        if not value:
            return value
        try:
            return normalize_email(value)
        except ValidationError as error:
            self.error(number, key, value, error.code or "invalid_email", error.messages[0])
            return None

    def phone(self, number, row, key="phone"):
        value = self.text(number, row, key)
        if not value:
            return value
        try:
            return normalize_phone(self.country, value)
        except ValidationError as error:
            self.error(number, key, value, error.code or "invalid_phone", error.messages[0])
            return None

    def tax_id(self, number, row, key="tax_id"):
        value = self.text(number, row, key)
        if not value:
            return value
        try:
            return normalize_tax_id(self.country, value)
        except ValidationError as error:
            self.error(number, key, value, error.code or "invalid_tax_id", error.messages[0])
            return None

    def groups(self, number, row, key="groups"):
        value = self.text(number, row, key) or ""
        names = list(dict.fromkeys(n.strip() for n in GROUP_SEPARATORS.split(value) if n.strip()))
        if any(len(n) > 100 for n in names):
            self.error(number, key, value, "too_long", _("Each group name may have at most 100 characters."))
        return names

    def feed(self, number, row) -> None:
        clean = self.check(number, row)
        self.rows.append((number, clean))

    def check(self, number, row) -> dict:
        raise NotImplementedError

    def finish(self) -> None:
        """File-level rules; sorts errors by row and column order."""
        order = list(self.columns)
        self.errors.sort(key=lambda e: (e["row"], order.index(e["key"])))

    def duplicates(self, key, code, message) -> None:
        """Report every row whose value for `key` appears in more than one row."""
        seen = defaultdict(list)
        for number, clean in self.rows:
            if clean.get(key):
                seen[clean[key]].append(number)
        for value, numbers in seen.items():
            if len(numbers) > 1:
                for number in numbers:
                    others = ", ".join(str(n) for n in numbers if n != number)
                    self.error(number, key, value, code, message % {"rows": others})

    @property
    def ok(self) -> bool:
        return not self.errors


class PartnerValidator(Validator):
    """Shared by customers and suppliers: the partner's fields and its company."""

    partner_kind = ""

    def check(self, number, row) -> dict:
        clean = {
            "tax_id": self.tax_id(number, row),
            "name": self.text(number, row, "name"),
        }
        for key in ("description", "address", "city", "province", "fax"):
            if key in self.columns:
                clean[key] = self.text(number, row, key) or ""
        clean["email"] = self.email(number, row) or ""
        clean["phone"] = self.phone(number, row) or ""
        clean["groups"] = self.groups(number, row)
        return clean

    def load_companies(self) -> None:
        """Existing companies for the file's tax IDs, and this organization's partners of them."""
        tax_ids = {clean["tax_id"] for _n, clean in self.rows if clean.get("tax_id")}
        self.companies = {}
        for chunk in chunked(tax_ids):
            self.companies.update(
                Company.objects.filter(country=self.country, tax_id__in=chunk).values_list("tax_id", "pk")
            )
        self.partner_by_company = {}
        for chunk in chunked(self.companies.values()):
            for pk, company_id, code in Partner.objects.filter(
                organization=self.organization, kind=self.partner_kind, company_id__in=chunk
            ).values_list("pk", "company_id", "code"):
                self.partner_by_company[company_id] = (pk, code)


class CustomerValidator(PartnerValidator):
    """The customer master: upsert by Code."""

    kind = "customers"
    partner_kind = Partner.Kind.CUSTOMER

    def check(self, number, row) -> dict:
        clean = super().check(number, row)
        clean["code"] = self.text(number, row, "code")
        return clean

    def finish(self) -> None:
        self.duplicates(
            "code", "duplicate_code", _("This code appears more than once in the file (rows %(rows)s).")
        )
        self.duplicates(
            "tax_id", "duplicate_tax_id", _("This tax ID appears more than once in the file (rows %(rows)s).")
        )
        self.load_companies()
        codes = {clean["code"] for _n, clean in self.rows if clean.get("code")}
        by_code = {}
        for chunk in chunked(codes):
            by_code.update(
                Partner.objects.filter(
                    organization=self.organization, kind=self.partner_kind, code__in=chunk
                ).values_list("code", "pk")
            )
        for number, clean in self.rows:
            if not clean.get("code") or not clean.get("tax_id"):
                continue
            target = by_code.get(clean["code"])
            holder = self.partner_by_company.get(self.companies.get(clean["tax_id"]))
            if holder and holder[0] != target:
                if target is None and not holder[1]:
                    target = holder[0]  # a customer added without a code takes the file's code
                else:
                    self.error(
                        number,
                        "tax_id",
                        clean["tax_id"],
                        "tax_id_taken",
                        _("This tax ID belongs to another customer (code %(code)s).") % {"code": holder[1]},
                    )
            clean["partner_id"] = target
        super().finish()


class SupplierValidator(PartnerValidator):
    """The supplier directory: upsert by tax ID, optionally inviting each supplier."""

    kind = "suppliers"
    partner_kind = Partner.Kind.SUPPLIER

    def check(self, number, row) -> dict:
        clean = super().check(number, row)
        notify = row.get("notify", "")
        if notify not in ("0", "1"):
            code, message = (
                ("required", _("This value is required."))
                if not notify
                else ("invalid_notify", _("Write 1 to send an invitation, 0 not to."))
            )
            self.error(number, "notify", notify, code, message)
        clean["notify"] = notify == "1"
        return clean

    def finish(self) -> None:
        self.duplicates(
            "tax_id", "duplicate_tax_id", _("This tax ID appears more than once in the file (rows %(rows)s).")
        )
        self.load_companies()
        for _number, clean in self.rows:
            holder = self.partner_by_company.get(self.companies.get(clean.get("tax_id")))
            clean["partner_id"] = holder[0] if holder else None
        super().finish()


class CustomerUserValidator(Validator):
    """People of the organization's customers, each to receive a registration link."""

    kind = "customer_users"

    def check(self, number, row) -> dict:
        return {
            "customer_code": self.text(number, row, "customer_code"),
            "first_name": self.text(number, row, "first_name"),
            "last_name": self.text(number, row, "last_name"),
            "email": self.email(number, row),
            "phone": self.phone(number, row) or "",
        }

    def finish(self) -> None:
        codes = {clean["customer_code"] for _n, clean in self.rows if clean["customer_code"]}
        customers = {}
        for chunk in chunked(codes):
            customers.update(
                Partner.objects.filter(
                    organization=self.organization, kind=Partner.Kind.CUSTOMER, code__in=chunk
                ).values_list("code", "pk")
            )
        emails = {clean["email"] for _n, clean in self.rows if clean["email"]}
        taken = set()
        for chunk in chunked(emails):
            taken.update(
                User.objects.annotate(email_lower=Lower("email"))
                .filter(email_lower__in=chunk)
                .values_list("email_lower", flat=True)
            )
            # Imported people log in with their email as username: it must be free too.
            taken.update(User.objects.filter(username__in=chunk).values_list("username", flat=True))
        for number, clean in self.rows:
            code = clean["customer_code"]
            if code:
                clean["partner_id"] = customers.get(code)
                if clean["partner_id"] is None:
                    self.error(
                        number,
                        "customer_code",
                        code,
                        "customer_not_found",
                        _("There is no customer with code %(code)s.") % {"code": code},
                    )
            if clean["email"] in taken:
                self.error(
                    number,
                    "email",
                    clean["email"],
                    "email_taken",
                    _("A user with this email already exists."),
                )
        self.duplicates(
            "email", "duplicate_email", _("This email appears more than once in the file (rows %(rows)s).")
        )
        super().finish()


VALIDATORS = {
    "customers": CustomerValidator,
    "customer_users": CustomerUserValidator,
    "suppliers": SupplierValidator,
}
