"""What a company may upload as a profile document: the one statement of the checks.

- A PDF, JPEG or PNG file, known by its first bytes, never by its name or the browser's word.
  Archives (zip, gzip ...), executables, HTML and anything else are refused.
- At most settings.DOCUMENTS_MAX_UPLOAD_BYTES.
- A PDF must look like one from end to end (a `%PDF-` header and an `%%EOF` trailer) and hold no
  script or launch action: the names /JavaScript, /JS and /Launch are refused wherever they
  appear, in plain objects or inside Flate-compressed streams (object streams included), which
  are inflated here within a budget; a file that inflates past it is refused as a bomb.
- Images: no image library is part of Enlace, so an image is checked by its structure only: a
  PNG's header chunk (its checksum, sane dimensions) and end chunk, a JPEG's start and end
  markers. Its pixels are not decoded.

Nothing is stored here: `check_upload` reads the file and says what it is, or refuses it.
"""

import re
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from enlace.lib.errors import DomainError

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# What all the compressed streams of one PDF may inflate to, and any one image's pixels.
INFLATE_BUDGET = 64 * 1024 * 1024
MAX_PIXELS = 100_000_000
SCRIPT_NAMES = {b"javascript", b"js", b"launch"}
PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
PDF_STREAM = re.compile(rb"(?<!end)stream\r?\n")
NAME_LENGTH = 100


@dataclass(frozen=True)
class Checked:
    content_type: str
    name: str  # the uploaded name, cleaned, with the extension of what the file is
    size: int


def refuse(code: str, message) -> DomainError:
    return DomainError(code, message)


def check_upload(upload) -> Checked:
    """The upload's type and cleaned name, or a DomainError with a message for its sender."""
    limit = settings.DOCUMENTS_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise too_large(limit)
    upload.seek(0)
    content = upload.read(limit + 1)
    upload.seek(0)
    if not content:
        raise refuse("document_empty", _("The file is empty."))
    if content.startswith(b"%PDF-"):
        check_pdf(content)
        content_type = PDF
    elif content.startswith(PNG_SIGNATURE):
        check_png(content)
        content_type = PNG
    elif content.startswith(b"\xff\xd8\xff"):
        check_jpeg(content)
        content_type = JPEG
    else:
        raise refuse(
            "document_type",
            _("This file is not a PDF, JPEG or PNG file (whatever its name says). Upload one of those."),
        )
    return Checked(content_type=content_type, name=clean_name(upload.name, content_type), size=len(content))


def too_large_together(limit: int) -> DomainError:
    return refuse(
        "files_too_large",
        _("The files sent together are larger than %(limit)s. Send fewer files at a time.")
        % {"limit": filesizeformat(limit)},
    )


def too_large(limit: int) -> DomainError:
    return refuse(
        "document_too_large",
        _("The file is larger than %(limit)s. Upload a smaller scan or a compressed PDF.")
        % {"limit": filesizeformat(limit)},
    )


def clean_name(name: str, content_type: str) -> str:
    """The name people download the file by: no folders, no odd characters, and the extension
    of what the file truly is."""
    stem = (name or "").replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    try:
        stem = get_valid_filename(stem)[:NAME_LENGTH]
    except SuspiciousFileOperation:  # nothing valid left in it
        stem = ""
    return f"{stem or 'document'}.{EXTENSIONS[content_type]}"


def not_a_pdf() -> DomainError:
    return refuse("document_broken", _("This file says it is a PDF but is not a readable PDF."))


def check_pdf(content: bytes) -> None:
    if (
        not re.match(rb"%PDF-[12]\.\d", content)
        or b"%%EOF" not in content[-2048:]
        or b"endobj" not in content
    ):
        raise not_a_pdf()
    # A zip's directory at the end makes a file that zip tools open as an archive (a polyglot).
    if b"PK\x05\x06" in content[-66_000:]:
        raise not_a_pdf()
    if has_script(content):
        raise script_refused()
    # Every Flate stream is inflated, wherever a `stream` keyword starts one: by position, not
    # by the objects' /Length (which a hostile file would make lie).
    budget = INFLATE_BUDGET
    position, stream_end = 0, -1
    while match := PDF_STREAM.search(content, position):
        start = match.end()
        if stream_end < start:
            stream_end = content.find(b"endstream", start)
            stream_end = len(content) if stream_end < 0 else stream_end
        inflated, position = inflate(content, start, stream_end, budget)
        if inflated is None:
            continue  # not a Flate stream (an image's own encoding, ...): nothing to read in it
        budget -= len(inflated)
        if budget < 0:
            raise refuse("document_bomb", _("This PDF unpacks to far more than its size: it was refused."))
        if has_script(inflated):
            raise script_refused()


def inflate(content: bytes, start: int, end: int, budget: int) -> tuple[bytes | None, int]:
    """The Flate stream that starts at `start` (before `end`) inflated, at most `budget` + 1
    bytes (enough to tell that it is over), and where in `content` it ended; (None, start) when
    none starts there. Fed in growing pieces: a short stream costs little, however long the
    rest of the file."""
    decompressor = zlib.decompressobj()
    view = memoryview(content)
    parts, size, position, piece = [], 0, start, 1024
    while position < end and not decompressor.eof and size <= budget:
        chunk = view[position : min(position + piece, end)]
        try:
            part = decompressor.decompress(chunk, budget + 1 - size)
        except zlib.error:
            break  # no Flate data (here, or from here on)
        parts.append(part)
        size += len(part)
        position += len(chunk) - len(decompressor.unused_data) - len(decompressor.unconsumed_tail)
        piece = min(piece * 2, 1024 * 1024)
    if position == start:
        return None, start
    return b"".join(parts), position


def has_script(content: bytes) -> bool:
    """Whether a PDF name in `content` is a script's or a launch action's, also when spelled
    with #hex escapes (/J#61vaScript) or in another case."""
    for match in PDF_NAME.finditer(content):
        name = re.sub(rb"#([0-9A-Fa-f]{2})", lambda escape: bytes([int(escape[1], 16)]), match[1])
        if name.lower() in SCRIPT_NAMES:
            return True
    return False


def script_refused() -> DomainError:
    return refuse(
        "document_script",
        _(
            "This PDF contains a script or an action that opens programs; such files are refused."
            " Print it to a new PDF and upload that."
        ),
    )


def not_an_image() -> DomainError:
    return refuse("document_broken", _("This image is damaged or not a real image file."))


def check_png(content: bytes) -> None:
    header = content[8:33]  # the IHDR chunk: length, type, 13 bytes of data, checksum
    if len(header) < 25 or header[4:8] != b"IHDR" or int.from_bytes(header[:4], "big") != 13:
        raise not_an_image()
    if zlib.crc32(header[4:21]) != int.from_bytes(header[21:25], "big"):
        raise not_an_image()
    width, height = int.from_bytes(header[8:12], "big"), int.from_bytes(header[12:16], "big")
    if not width or not height or width * height > MAX_PIXELS:
        raise not_an_image()
    if b"IEND" not in content[-12:]:
        raise not_an_image()


def check_jpeg(content: bytes) -> None:
    if len(content) < 128 or not content.rstrip(b"\x00").endswith(b"\xff\xd9"):
        raise not_an_image()
