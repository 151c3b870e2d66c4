"""Private files (a profile's documents, a questionnaire's file answers) as downloads."""

from django.http import FileResponse


def private_download(file, name: str, content_type: str) -> FileResponse:
    """A stored private file as a download (never shown in the page, so a file crafted to run
    in a browser cannot), under its cleaned name and the type its bytes were found to be, kept
    out of shared caches."""
    response = FileResponse(file, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
