"""Whatever Excel or an ERP wrote, the reader yields the same rows, or one clear file error."""

import io
import zipfile

import pytest
from django.utils import translation

from enlace.imports.columns import COLUMNS, CUSTOMER_USERS
from enlace.imports.readers import FileError, read_rows
from tests.imports.helpers import CUSTOMER_USERS_HEADER, csv_file, xlsx

ROWS = [["C001", "José", "Núñez", "jose@cliente.example", "099 123 4567"]]
EXPECTED = [
    (
        2,
        {
            "customer_code": "C001",
            "first_name": "José",
            "last_name": "Núñez",
            "email": "jose@cliente.example",
            "phone": "099 123 4567",
        },
    )
]


def rows_of(file, name="file.csv"):
    return list(read_rows(file, name, columns=CUSTOMER_USERS))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_in_each_encoding_and_delimiter(encoding, delimiter):
    file = csv_file(ROWS, CUSTOMER_USERS_HEADER, encoding=encoding, delimiter=delimiter)
    assert rows_of(file) == EXPECTED


def test_headers_in_spanish_in_another_order_with_case_accents_spaces_and_marks():
    header = ["  CORREO ELECTRONICO* ", "apellidos", "Nombres *", "código de cliente", "Teléfono"]
    row = ["jose@cliente.example", "Núñez", "José", "C001", "099 123 4567"]
    assert rows_of(xlsx([row], header), "x.xlsx") == EXPECTED


def test_an_xlsx_renamed_csv_and_a_csv_renamed_xlsx_are_read_for_what_they_are():
    assert rows_of(xlsx(ROWS, CUSTOMER_USERS_HEADER), "people.csv") == EXPECTED
    assert rows_of(csv_file(ROWS, CUSTOMER_USERS_HEADER), "people.xlsx") == EXPECTED


def test_empty_rows_are_skipped_and_row_numbers_are_excel_s():
    file = xlsx(
        [ROWS[0], [None] * 5, ["", " ", "", "", ""], ["C002", "Ana", "Ruiz", "ana@c.example", ""]],
        CUSTOMER_USERS_HEADER,
    )
    assert [number for number, _row in rows_of(file, "x.xlsx")] == [2, 5]


def test_numbers_typed_in_excel_come_as_text_without_a_decimal_point():
    file = xlsx([[123, "A", "B", "a@b.example", 991234567]], CUSTOMER_USERS_HEADER)
    [(_n, row)] = rows_of(file, "x.xlsx")
    assert (row["customer_code"], row["phone"]) == ("123", "991234567")


@pytest.mark.parametrize(
    ("header", "code", "named"),
    [
        (["Customer code", "First names", "Last names", "Email", "Shoe size"], "unknown_column", "Shoe size"),
        (["Customer code", "First names", "Last names"], "missing_column", "Email"),
        (["Customer code", "First names", "Last names", "Email", "Correo"], "duplicate_column", "Correo"),
    ],
)
def test_an_unknown_or_missing_column_is_a_file_error_naming_it(header, code, named):
    with translation.override("en"), pytest.raises(FileError) as error:
        rows_of(csv_file([], header))
    assert error.value.code == code
    assert named in str(error.value.message)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty_file"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "unsupported_type"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "unsupported_type"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "corrupt_file"),
        (b"Customer code,Email\n\x81\x8d\x8f,\x90\x9d\n", "unknown_encoding"),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused_clearly(content, code):
    with pytest.raises(FileError) as error:
        rows_of(io.BytesIO(content), "people.xlsx")
    assert error.value.code == code


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(FileError) as error:
        rows_of(buffer, "people.xlsx")
    assert error.value.code == "unsupported_type"


def test_limits_are_checked_and_named(settings):
    settings.IMPORT_MAX_ROWS = 3
    with pytest.raises(FileError) as error:
        rows_of(csv_file(ROWS * 4, CUSTOMER_USERS_HEADER))
    assert error.value.code == "too_many_rows" and "3" in str(error.value.message)
    with pytest.raises(FileError) as error:
        read_rows(xlsx(ROWS * 4, CUSTOMER_USERS_HEADER), "x.xlsx", columns=CUSTOMER_USERS)
    assert error.value.code == "too_many_rows"

    settings.IMPORT_MAX_UPLOAD_BYTES = 10
    with pytest.raises(FileError) as error:
        rows_of(csv_file(ROWS, CUSTOMER_USERS_HEADER))
    assert error.value.code == "too_large"


def test_a_huge_cell_is_refused(settings):
    settings.IMPORT_MAX_CELL_LENGTH = 50
    with pytest.raises(FileError) as error:
        rows_of(csv_file([["C001", "x" * 51, "B", "a@b.example", ""]], CUSTOMER_USERS_HEADER))
    assert error.value.code == "cell_too_long"


def test_each_columns_spanish_header_is_its_translation():
    from enlace.imports.columns import COLUMNS

    with translation.override("es"):
        for columns in COLUMNS.values():
            for column in columns:
                assert str(column.label) == column.es


def test_the_regional_names_of_a_column_are_understood():
    header = ["Código", "NIT", "Razón social", "E-mail", "Celular", "Municipio", "Departamento", "Grupos"]
    file = csv_file(
        [["C1", "900123456-8", "Aceros", "a@b.example", "3001234567", "Medellín", "Antioquia", ""]], header
    )
    reader = read_rows(file, "x.csv", columns=COLUMNS["customers"])
    assert sorted(reader.present.values()) == sorted(
        ["code", "tax_id", "name", "email", "phone", "city", "province", "groups"]
    )


def test_every_unknown_column_is_named_at_once_with_the_heading_closest_to_it():
    header = ["Customer code", "First names", "Last names", "Emial", "Shoe size"]
    with translation.override("es"), pytest.raises(FileError) as error:
        rows_of(csv_file([], header))
    message = str(error.value.message)
    assert message.startswith(
        "Columnas desconocidas: «Emial» (¿quiso decir «Correo electrónico»?), «Shoe size»."
    )
