"""Small files made on the fly: the importer is tested with what Excel and ERPs produce."""

import csv
import io

import openpyxl

from enlace.partners.samples import ec_ruc

CUSTOMER_USERS_HEADER = ["Customer code", "First names", "Last names", "Email", "Phone"]
CUSTOMERS_HEADER = ["Code", "Tax ID", "Name", "Email", "Phone", "Address", "City", "Province", "Groups"]
SUPPLIERS_HEADER = [
    "Tax ID",
    "Name",
    "Description",
    "Address",
    "City",
    "Province",
    "Phone",
    "Fax",
    "Email",
    "Groups",
    "Notify",
]


def xlsx(rows, header=None) -> io.BytesIO:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in ([header] if header else []) + list(rows):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def csv_file(rows, header=None, *, encoding="utf-8", delimiter=",") -> io.BytesIO:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    for row in ([header] if header else []) + list(rows):
        writer.writerow(row)
    return io.BytesIO(text.getvalue().encode(encoding))


def person(n, code="C001", **overrides):
    row = {
        "Customer code": code,
        "First names": f"Persona {n}",
        "Last names": "Pérez",
        "Email": f"persona{n}@cliente.example",
        "Phone": "",
    }
    row.update(overrides)
    return [row[h] for h in CUSTOMER_USERS_HEADER]


def customer_row(n, **overrides):
    row = dict(
        zip(CUSTOMERS_HEADER, [f"C{n:04d}", ec_ruc(n), f"Cliente {n}", "", "", "", "", "", ""], strict=True)
    )
    row.update(overrides)
    return [row[h] for h in CUSTOMERS_HEADER]


def supplier_row(n, notify="0", **overrides):
    values = [
        ec_ruc(50_000 + n),
        f"Proveedor {n}",
        "",
        "",
        "",
        "",
        "",
        "",
        f"ventas{n}@proveedor.example",
        "",
        notify,
    ]
    row = dict(zip(SUPPLIERS_HEADER, values, strict=True))
    row.update(overrides)
    return [row[h] for h in SUPPLIERS_HEADER]
