"""Writes the corpus of hostile and broken import files into tests/imports/files/.

Run `python tests/imports/make_hostile_files.py`; the tests run it too, so the corpus is always
what this script makes. Nothing is downloaded: every file is built here, small.
"""

import io
import zipfile
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent / "files"
HEADER = ["Tax ID", "Name", "Email", "Notify"]
GOOD_ROW = ["1700000019001", "Proveedor Uno", "uno@proveedor.example", "0"]


def valid_xlsx(rows=(HEADER, GOOD_ROW)) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_sheet(sheet_xml: bytes, extra=None) -> bytes:
    """A valid workbook whose first sheet's XML (and optionally other parts) are replaced."""
    source = zipfile.ZipFile(io.BytesIO(valid_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = sheet_xml if item.filename == "xl/worksheets/sheet1.xml" else source.read(item)
            target.writestr(item.filename, data)
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return out.getvalue()


SHEET = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr("[Content_Types].xml", b"<Types/>")
        target.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    return out.getvalue()


def files() -> dict[str, bytes]:
    xlsx = valid_xlsx()
    csv_text = "Tax ID;Name;Email;Notify\r\n1700000019001;Proveedor Uno;uno@proveedor.example;0\r\n"
    header = b"Tax ID,Name,Email,Notify\n"
    return {
        "xlsx_renamed.csv": xlsx,
        "csv_renamed.xlsx": csv_text.encode(),
        "pdf_renamed.xlsx": b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
        "macros.xlsm": with_sheet(valid_sheet(), {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"}),
        "encrypted.xlsx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 504
        + "EncryptionInfo".encode("utf-16-le"),
        "empty.csv": b"",
        "not_a_workbook.xlsx": zip_of({"readme.txt": b"just a zip"}),
        "zip_bomb.xlsx": zip_bomb(),
        "huge_dimension.xlsx": with_sheet(
            SHEET + b"<worksheet " + NS + b'><dimension ref="A1:XFD1048576"/><sheetData>'
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>Tax ID</t></is></c></row>'
            b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>'
        ),
        "billion_laughs.xlsx": with_sheet(
            SHEET + b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
            b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
            b"<worksheet " + NS + b'><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is>'
            b"</c></row></sheetData></worksheet>"
        ),
        "external_entity.xlsx": with_sheet(
            SHEET + b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b"<worksheet " + NS + b'><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is>'
            b"</c></row></sheetData></worksheet>"
        ),
        "nul_bytes.csv": header + b"1700000019001,Pro\x00veedor,uno@proveedor.example,0\n",
        "ragged.csv": header + b"1700000019001,Proveedor Uno\n1700000027001,Dos,d@p.example,0,extra\n",
        "quoted_newlines.csv": header + b'1700000019001,"Proveedor\nUno",uno@proveedor.example,0\n',
        "mixed_line_endings.csv": b"Tax ID,Name,Email,Notify\r\n1700000019001,Uno,u@p.example,0\n"
        b"1700000027001,Dos,d@p.example,0\r",
        "unknown_encoding.csv": header + b"1700000019001,Prov\x81\x8d\x8f\x90\x9d,u@p.example,0\n",
    }


def valid_sheet() -> bytes:
    return zipfile.ZipFile(io.BytesIO(valid_xlsx())).read("xl/worksheets/sheet1.xml")


def zip_of(entries: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries.items():
            target.writestr(name, data)
    return out.getvalue()


def write_corpus() -> list[Path]:
    HERE.mkdir(exist_ok=True)
    written = []
    for name, data in files().items():
        path = HERE / name
        path.write_bytes(data)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_corpus():
        print(path.name, path.stat().st_size)
