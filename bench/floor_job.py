"""The floor of an import, for bench/imports.py: read the file's rows and run the same
validator calls Enlace runs on each row (python-stdnum, email-validator, phonenumbers), and
nothing else: no header mapping, no file-wide rules, no database.

    python bench/floor_job.py suppliers FILE.csv
    python bench/floor_job.py customer-users FILE.xlsx

Prints the number of rows read.
"""

import csv
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enlace.settings")


def suppliers(path):
    from enlace.lib.forms import normalize_email, normalize_phone
    from enlace.partners.taxids import normalize_tax_id

    count = 0
    with open(path, newline="", encoding="utf-8") as f:
        rows = csv.reader(f, delimiter=";")
        next(rows)
        for tax_id, _name, _description, _city, phone, email, _groups, _notify in rows:
            normalize_tax_id("EC", tax_id)
            normalize_email(email)
            normalize_phone("EC", phone)
            count += 1
    return count


def customer_users(path):
    from python_calamine import CalamineWorkbook

    from enlace.lib.forms import normalize_email, normalize_phone

    count = 0
    sheet = CalamineWorkbook.from_path(path).get_sheet_by_index(0)
    rows = sheet.iter_rows()
    next(rows)
    for _code, _first, _last, email, phone in rows:
        normalize_email(email)
        if phone:
            normalize_phone("EC", str(phone))
        count += 1
    return count


if __name__ == "__main__":
    import django

    django.setup()
    kind, path = sys.argv[1], sys.argv[2]
    print({"suppliers": suppliers, "customer-users": customer_users}[kind](path))
