"""Files a supplier might upload: good ones of each type, and hostile ones."""

import base64
import gzip
import io
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

# A 16x16 photograph (from CPython's own test data).
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8Q"
    "EBEQCgwSExIQEw8QEBD/2wBDAQMDAwQDBAgEBAgQCwkLEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ"
    "EBAQEBAQEBD/wAARCAAQABADASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAABwQF/8QAJBAAAQQBBAICAwAAAAAAAAAAAQID"
    "BAYFBwgSExEiABQJMTL/xAAVAQEBAAAAAAAAAAAAAAAAAAAABv/EACMRAAECBQMFAAAAAAAAAAAAAAECEQMEBQYhABIxFRZhgeH/"
    "2gAMAwEAAhEDEQA/ABSm0mobc8HmExLUlRzzEWPkJWW+ulrsaUVAseUgslSlH9LKuPryIKuWPZdskzXmm3fX5m2nF4GlVxx/HOpx"
    "4ks51+MiU/Iaad7UcUo4tILoS4kqcWkezS0hO/HvuRp0rO6hWnWO1UisZVuFi4GFeyEpmGepa5S5SWVPuciFKRFLgSrwetnyPIB+"
    "Vb4N9mKhQMzo5po9XLdDs9d6ZVix2VEhiL9kuNPxw2gEKcDQ/rs8AuA8VAe0vdl7VOYn+27flGAUgmITjbhSmCg3BYlyeWDkMolv"
    "w4KOp1KM6iCNvngZHwetf//Z"
)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width=2, height=2) -> bytes:
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + png_chunk(b"IDAT", zlib.compress(rows))
        + png_chunk(b"IEND", b"")
    )


PNG = png()


def pdf(*objects: bytes, header=b"%PDF-1.7") -> bytes:
    """A small PDF with a catalog, one empty page and `objects` added."""
    body = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        *objects,
    ]
    out = header + b"\n"
    for number, content in enumerate(body, start=1):
        out += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    return out + b"trailer\n<< /Root 1 0 R /Size %d >>\n%%%%EOF\n" % (len(body) + 1)


PDF = pdf()


def flate_stream(content: bytes, entries: bytes = b"") -> bytes:
    packed = zlib.compress(content)
    return (
        b"<< %s /Length %d /Filter /FlateDecode >>\nstream\n" % (entries, len(packed))
        + packed
        + b"\nendstream"
    )


def zip_of(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


HOSTILE = {
    "an executable renamed .pdf": (
        "factura.pdf",
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200,
        "application/pdf",
    ),
    "an HTML page": (
        "certificado.pdf",
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        "application/pdf",
    ),
    "an SVG named .png": (
        "logo.png",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "image/png",
    ),
    "a zip bomb named .pdf": ("ruc.pdf", zip_of("ruc.pdf", b"\x00" * 5_000_000), "application/pdf"),
    "a gzip bomb named .pdf": ("ruc.pdf", gzip.compress(b"\x00" * 5_000_000), "application/pdf"),
    "a zip behind a PDF header": (
        "ruc.pdf",
        b"%PDF-1.4\n" + zip_of("a", b"\x00" * 10_000),
        "application/pdf",
    ),
    "a PDF with a zip at its end": ("ruc.pdf", PDF + zip_of("a", b"x"), "application/pdf"),
    "a PDF without its end": ("ruc.pdf", PDF[:-20], "application/pdf"),
    "a PDF with JavaScript": (
        "ruc.pdf",
        pdf(b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"),
        "application/pdf",
    ),
    "a PDF that opens with JS": (
        "ruc.pdf",
        pdf(b"<< /OpenAction << /S /JS /JS 5 0 R >> >>"),
        "application/pdf",
    ),
    "a PDF with an escaped name": ("ruc.pdf", pdf(b"<< /S /J#61vaScript /J#53 (x) >>"), "application/pdf"),
    "a PDF that launches a program": ("ruc.pdf", pdf(b"<< /S /Launch /F (cmd.exe) >>"), "application/pdf"),
    "a PDF with JavaScript in a compressed object stream": (
        "ruc.pdf",
        pdf(flate_stream(b"5 0 << /S /JavaScript /JS (x) >>", b"/Type /ObjStm /N 1 /First 4")),
        "application/pdf",
    ),
    # A stream that ends without its `endstream`, so that the next object's script would sit in
    # the span of the first one for a reader that trusted the first's end.
    "a PDF with JavaScript after a stream cut short": (
        "ruc.pdf",
        pdf(
            flate_stream(b"BT (hola) Tj ET").replace(b"\nendstream", b""),
            flate_stream(b"<< /S /JavaScript /JS (x) >>"),
        ),
        "application/pdf",
    ),
    "a PNG whose header is damaged": ("foto.png", PNG[:19] + b"\x07" + PNG[20:], "image/png"),
    "a PNG cut short": ("foto.png", PNG[:40], "image/png"),
    "a PNG of a billion pixels": (
        "foto.png",
        PNG[:8] + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 40_000, 40_000, 8, 2, 0, 0, 0)) + PNG[33:],
        "image/png",
    ),
    "a JPEG cut short": ("foto.jpg", JPEG[:300], "image/jpeg"),
    "an empty file": ("vacío.pdf", b"", "application/pdf"),
}


def upload(name="certificado.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)
