"""Read an uploaded spreadsheet or CSV as rows of plain dicts, whatever its format.

`read_rows` checks the file's real type from its bytes (never its name), its size and shape
against the configured limits, and its header against the import's columns, before it yields
a single row. Rows come as (row number as Excel shows it, {column key: trimmed text}).
"""

import codecs
import contextlib
import csv
import difflib
import io
import json
import os
import re
import resource
import subprocess
import sys
import threading
import zipfile
import zlib

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from enlace.imports.columns import header_index, normalize_header
from enlace.lib.errors import DomainError

DEFAULT_LIMITS = {
    "IMPORT_MAX_UPLOAD_BYTES": 20 * 1024 * 1024,
    "IMPORT_MAX_ROWS": 200_000,
    "IMPORT_MAX_COLUMNS": 50,
    "IMPORT_MAX_CELL_LENGTH": 2_000,
    # The child process that parses a spreadsheet: its memory and its time.
    "IMPORT_PARSE_MEMORY_MB": 1024,
    "IMPORT_PARSE_SECONDS": 120,
    # A workbook is a zip: refuse what would inflate to far more than it weighs.
    "IMPORT_MAX_UNCOMPRESSED_BYTES": 400 * 1024 * 1024,
    "IMPORT_MAX_ZIP_ENTRIES": 2_000,
    "IMPORT_MAX_ZIP_RATIO": 250,
}

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# Columns our own error report adds; a corrected report can be uploaded again as it is.
IGNORED_HEADERS = {"errors", "errores"}
DIMENSION = re.compile(rb'<dimension ref="[A-Z]*(\d*)(?::([A-Z]+)(\d+))?"')


class FileError(DomainError):
    """The file as a whole cannot be read: wrong type, over a limit, bad header, bad encoding."""


def limit(name: str) -> int:
    return getattr(settings, name, DEFAULT_LIMITS[name])


def file_size(file) -> int:
    size = getattr(file, "size", None)
    if size is None:
        position = file.tell()
        size = file.seek(0, io.SEEK_END)
        file.seek(position)
    return size


def detect_format(head: bytes) -> str:
    """'xlsx', 'ods', 'xls' or 'csv' from the first bytes; FileError for anything else."""
    if not head.strip(b"\x00\t\r\n \xef\xbb\xbf\xff\xfe"):
        raise FileError("empty_file", _("The file is empty."))
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "xls"
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return "csv"
    if head.startswith(b"%PDF") or b"\x00" in head[:4096]:
        raise FileError(
            "unsupported_type",
            _("This file is not a spreadsheet or CSV file. Upload an .xlsx, .xls, .ods or .csv file."),
        )
    return "csv"


def read_rows(file, filename: str = "", *, columns):
    """The rows of `file` for an import with these columns: a RowReader to iterate.

    Raises FileError at once for a file that cannot be read or whose header does not fit.
    """
    kind = _checked_format(file)
    raw_rows = _csv_rows(file) if kind == "csv" else _workbook_rows(file)
    return RowReader(raw_rows, columns)


def check_file(file, filename: str = "", *, columns) -> None:
    """What can be refused without parsing a workbook, for a file about to be queued: its size,
    its type, a workbook's zip (bombs, macros, entities) and the size its sheet declares, a CSV's
    encoding and header. Raises the FileError read_rows would; leaves the file at its start."""
    try:
        if _checked_format(file) == "csv":
            read_rows(file, filename, columns=columns)
    finally:
        file.seek(0)


def _checked_format(file) -> str:
    """'csv', 'xlsx', 'ods' or 'xls', once the file's size, type and zip have been checked."""
    if file_size(file) > limit("IMPORT_MAX_UPLOAD_BYTES"):
        raise FileError(
            "too_large",
            _("The file is larger than the limit of %(mb)s MB.")
            % {"mb": limit("IMPORT_MAX_UPLOAD_BYTES") // (1024 * 1024)},
        )
    file.seek(0)
    head = file.read(8192)
    file.seek(0)
    kind = detect_format(head)
    if kind == "zip":
        kind = _check_zip(file)
    return kind


class RowReader:
    """Iterates (row number, {key: text}); `present` holds the keys the header had."""

    def __init__(self, raw_rows, columns):
        self.columns = columns
        self._rows = raw_rows
        self.present = self._read_header()
        self.example = {c.key: c.example for c in columns if c.key in self.present.values()}

    def _read_header(self) -> dict:
        for _number, cells in self._rows:
            if any(cells):
                return self._map_header(cells)
        raise FileError("no_header", _("The file has no header row."))

    def _map_header(self, cells) -> dict:
        index = header_index(self.columns)
        present, unknown = {}, []
        for position, cell in enumerate(cells):
            name = normalize_header(cell)
            if not name or name in IGNORED_HEADERS:
                continue
            key = index.get(name)
            if key is None:
                unknown.append(cell)
            elif key in present.values():
                raise FileError(
                    "duplicate_column", _("The column “%(column)s” appears twice.") % {"column": cell}
                )
            else:
                present[position] = key
        if unknown:
            raise FileError("unknown_column", self._unknown_columns_message(unknown, index))
        missing = [str(c.label) for c in self.columns if c.required and c.key not in present.values()]
        if missing:
            raise FileError(
                "missing_column",
                _("The required column “%(column)s” is missing.") % {"column": ", ".join(missing)},
            )
        return present

    def _unknown_columns_message(self, unknown, index) -> str:
        """Every unknown column at once, each with the expected heading closest to it."""
        label_of = {column.key: str(column.label) for column in self.columns}
        named = []
        for cell in unknown:
            close = difflib.get_close_matches(normalize_header(cell), list(index), n=1, cutoff=0.6)
            if close:
                named.append(
                    _("“%(column)s” (did you mean “%(expected)s”?)")
                    % {
                        "column": cell,
                        "expected": label_of[index[close[0]]],
                    }
                )
            else:
                named.append(_("“%(column)s”") % {"column": cell})
        return ngettext(
            "Unknown column %(columns)s. The columns are: %(expected)s.",
            "Unknown columns %(columns)s. The columns are: %(expected)s.",
            len(unknown),
        ) % {"columns": ", ".join(named), "expected": ", ".join(label_of.values())}

    def close(self) -> None:
        """Stop reading early: a spreadsheet's parsing process is ended at once."""
        self._rows.close()

    def __iter__(self):
        max_rows, max_cell = limit("IMPORT_MAX_ROWS"), limit("IMPORT_MAX_CELL_LENGTH")
        count = 0
        for number, cells in self._rows:
            row = {}
            for position, key in self.present.items():
                value = cells[position] if position < len(cells) else ""
                if "\x00" in value:
                    # No database text can hold it, and no spreadsheet program writes it.
                    raise FileError(
                        "nul_character",
                        _("Row %(row)s: a cell contains a NUL character. Save the file again.")
                        % {"row": number},
                    )
                if len(value) > max_cell:
                    raise FileError(
                        "cell_too_long",
                        _("Row %(row)s: a cell is longer than the limit of %(limit)s characters.")
                        % {"row": number, "limit": max_cell},
                    )
                row[key] = value
            if not any(row.values()) or row == self.example:
                continue
            count += 1
            if count > max_rows:
                raise FileError(
                    "too_many_rows",
                    _("The file has more than the limit of %(limit)s rows.") % {"limit": max_rows},
                )
            yield number, row


def _too_many_columns():
    return FileError(
        "too_many_columns",
        _("The file has more than the limit of %(limit)s columns.") % {"limit": limit("IMPORT_MAX_COLUMNS")},
    )


# --- CSV --------------------------------------------------------------------------------------


def _detect_encoding(file) -> str:
    head = file.read(4)
    file.seek(0)
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    # UTF-8 unless some byte sequence says otherwise; then Windows-1252, as Excel saves CSV
    # on Spanish Windows. Checked in chunks so a large file is never held decoded.
    for encoding in ("utf-8", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := file.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        finally:
            file.seek(0)
        return encoding
    raise FileError("unknown_encoding", _("The file's text encoding is unknown. Save it as CSV UTF-8."))


def _detect_delimiter(first_line: str) -> str:
    counts = {d: 0 for d in ",;\t"}
    quoted = False
    for ch in first_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _csv_rows(file):
    encoding = _detect_encoding(file)
    sample = file.read(65536).decode(encoding, errors="ignore")
    file.seek(0)
    delimiter = _detect_delimiter(sample.lstrip("\ufeff").splitlines()[0] if sample.strip() else "")
    text = io.TextIOWrapper(_binary(file), encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter)
    max_columns = limit("IMPORT_MAX_COLUMNS")
    number = 0
    try:
        for number, record in enumerate(reader, start=1):  # noqa: B007 (used after the loop)
            if len(record) > max_columns:
                raise _too_many_columns()
            cells = [cell.strip() for cell in record]
            if number == 1 and cells:
                cells[0] = cells[0].lstrip("\ufeff")
            yield number, cells
    except (csv.Error, UnicodeDecodeError) as error:
        raise FileError(
            "unreadable_csv",
            _("Row %(row)s cannot be read: %(reason)s") % {"row": number + 1, "reason": error},
        ) from None
    finally:
        # Leave the caller's file open (TextIOWrapper would close it when collected).
        with contextlib.suppress(ValueError):
            text.detach()


def _binary(file):
    """A binary stream TextIOWrapper accepts (Django wraps uploads in File objects)."""
    inner = getattr(file, "file", None)
    for candidate in (file, inner):
        if candidate is not None and hasattr(candidate, "readable") and hasattr(candidate, "read1"):
            candidate.seek(0)
            return candidate
    file.seek(0)
    return io.BytesIO(file.read())


# --- Workbooks --------------------------------------------------------------------------------


# What zipfile raises for a damaged or deliberately odd archive (an unknown version or
# compression, an encrypted part, a directory that lies about its entries ...).
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)


def _check_zip(file) -> str:
    """Tell an .xlsx from an .ods, and refuse a zip bomb, macros or XML entity tricks, by
    reading the zip's directory and the first bytes of its parts, before calamine inflates it."""
    not_a_workbook = FileError(
        "unsupported_type",
        _("This file is a zip archive, not a spreadsheet. Upload an .xlsx, .ods or .csv file."),
    )
    try:
        archive = zipfile.ZipFile(file)
        entries = archive.infolist()
    except ZIP_ERRORS:
        raise FileError("corrupt_file", _("The file is damaged and cannot be read.")) from None
    names = {entry.filename for entry in entries}
    if "xl/workbook.xml" in names:
        kind = "xlsx"
    elif "content.xml" in names and "mimetype" in names:
        kind = "ods"
    else:
        raise not_a_workbook
    if "xl/vbaProject.bin" in names:
        raise FileError("macros", _("Workbooks with macros are not accepted. Save it as .xlsx."))
    too_big = FileError("zip_bomb", _("The file would expand to more than the allowed size."))
    if len(entries) > limit("IMPORT_MAX_ZIP_ENTRIES"):
        raise too_big
    if sum(entry.file_size for entry in entries) > limit("IMPORT_MAX_UNCOMPRESSED_BYTES"):
        raise too_big
    for entry in entries:
        if entry.file_size > 1024 * 1024 and entry.file_size > limit("IMPORT_MAX_ZIP_RATIO") * max(
            entry.compress_size, 1
        ):
            raise too_big
        if entry.filename.endswith((".xml", ".rels")):
            try:
                with archive.open(entry) as part:
                    start = part.read(4096)
            except ZIP_ERRORS:
                # A directory that lies about its parts: damaged, or made to confuse readers.
                raise FileError("corrupt_file", _("The file is damaged and cannot be read.")) from None
            if b"<!DOCTYPE" in start or b"<!ENTITY" in start:
                raise FileError("xml_entities", _("The file contains XML declarations that are not allowed."))
            if entry.filename.startswith("xl/worksheets/"):
                _check_dimension(start)
    file.seek(0)
    return kind


def _check_dimension(start: bytes) -> None:
    """A sheet declares its used range up front: refuse one over the limits before parsing."""
    match = DIMENSION.search(start)
    if not match or not match.group(3):
        return
    last_column, last_row = match.group(2), int(match.group(3))
    width = 0
    for letter in last_column.decode():
        width = width * 26 + (ord(letter) - 64)
    if width > limit("IMPORT_MAX_COLUMNS"):
        raise _too_many_columns()
    if last_row > limit("IMPORT_MAX_ROWS") + 1:
        raise FileError(
            "too_many_rows",
            _("The file has more than the limit of %(limit)s rows.") % {"limit": limit("IMPORT_MAX_ROWS")},
        )


def _workbook_rows(file):
    """The first sheet's rows, parsed by calamine in a child process with a memory and a time
    limit (calamine has crashed whole processes on some files): a bad file is one clear error."""
    data = _binary(file).read()
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
        [sys.executable, *child_arguments()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        preexec_fn=_limit_child,  # noqa: PLW1509 - only resource limits, no locks involved
        env=child_environment(),
    )
    watchdog = threading.Timer(limit("IMPORT_PARSE_SECONDS"), child.kill)
    watchdog.start()
    try:
        with contextlib.suppress(BrokenPipeError):
            child.stdin.write(data)
            child.stdin.close()
        status = _child_line(child)
    except BaseException:
        watchdog.cancel()
        child.kill()
        child.wait()
        raise
    # The wall-clock limit is for parsing: once the sheet is read, rows come as fast as the
    # validator takes them (minutes for a million rows), and the CPU limit still bounds the child.
    watchdog.cancel()
    if status != ["ok"]:
        child.kill()
        child.wait()
        code = status[1] if status and status[0] == "error" else "parse_failed"
        raise _CHILD_ERRORS.get(code, _CHILD_ERRORS["parse_failed"])()
    return _child_rows(child)


def child_arguments() -> list[str]:
    return [
        "-m",
        "enlace.imports.sheet_child",
        str(limit("IMPORT_MAX_COLUMNS")),
        str(limit("IMPORT_MAX_ROWS")),
    ]


def child_environment() -> dict:
    """Only what the child needs to find Python and Enlace: no secret reaches the parser."""
    return {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": os.pathsep.join(sys.path)}


def _limit_child():
    """In the child, before it runs: cap its memory and its CPU time."""
    memory = limit("IMPORT_PARSE_MEMORY_MB") * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    seconds = limit("IMPORT_PARSE_SECONDS")
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))


def _child_line(child):
    line = child.stdout.readline()
    return json.loads(line) if line else None


def _child_rows(child):
    try:
        while (rows := _child_line(child)) is not None:
            yield from rows  # [row number, cells] pairs
        if child.wait() != 0:
            raise _CHILD_ERRORS["parse_failed"]()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


_CHILD_ERRORS = {
    "corrupt_file": lambda: FileError(
        "corrupt_file", _("The spreadsheet cannot be read. Is it damaged or protected with a password?")
    ),
    "too_many_columns": lambda: _too_many_columns(),
    "too_many_rows": lambda: FileError(
        "too_many_rows",
        _("The file has more than the limit of %(limit)s rows.") % {"limit": limit("IMPORT_MAX_ROWS")},
    ),
    "parse_failed": lambda: FileError(
        "parse_failed",
        _("The spreadsheet is too heavy to read. Save it again as .xlsx or .csv."),
    ),
}


# --- how many rows, cheaply --------------------------------------------------------------------

# An .xls declares no row count that is cheap to read: roughly this many bytes per row.
XLS_BYTES_PER_ROW = 100
SCAN_CHUNK = 1 << 20


def estimate_rows(file, *, at_most: int | None = None) -> int:
    """About how many data rows `file` holds, without parsing it: the row count a sheet declares
    up front, else its rows or the CSV's lines counted as the bytes stream by, stopping past
    `at_most`. Never raises: an odd file counts as small, and the importer's checks report it."""
    try:
        file.seek(0)
        kind = detect_format(file.read(8192))
        file.seek(0)
        if kind == "zip":
            return _declared_workbook_rows(file, at_most)
        if kind == "xls":
            return file_size(file) // XLS_BYTES_PER_ROW
        return max(_count_occurrences(file, b"\n", at_most) - 1, 0)
    except (FileError, *ZIP_ERRORS):
        return 0
    finally:
        file.seek(0)


def _declared_workbook_rows(file, at_most) -> int:
    archive = zipfile.ZipFile(file)
    names = archive.namelist()
    sheets = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    if sheets:
        with archive.open(sheets[0]) as part:
            match = DIMENSION.search(part.read(4096))
        if match and match.group(3):
            return max(int(match.group(3)) - 1, 0)
        with archive.open(sheets[0]) as part:
            return max(_count_occurrences(part, b"<row ", at_most) - 1, 0)
    if "content.xml" in names:
        with archive.open("content.xml") as part:
            return max(_count_occurrences(part, b"<table:table-row", at_most) - 1, 0)
    return 0


def _count_occurrences(stream, needle: bytes, at_most) -> int:
    """Occurrences of `needle` in the stream, read in chunks; stops once past `at_most`."""
    count, tail = 0, b""
    while chunk := stream.read(SCAN_CHUNK):
        window = tail + chunk
        count += window.count(needle)
        tail = window[-(len(needle) - 1) :] if len(needle) > 1 else b""
        if at_most is not None and count > at_most:
            break
    return count
