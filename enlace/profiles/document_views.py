"""The profile's documents: the company's people add, replace and remove them (one URL per
step); whoever reads the profile downloads their files."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from enlace.lib.downloads import private_download
from enlace.lib.errors import DomainError
from enlace.profiles import access
from enlace.profiles.documents import (
    add_document,
    current_document,
    documents_context,
    readable_file,
    remove_document,
    replace_document,
)
from enlace.profiles.fields import DocumentKind
from enlace.profiles.forms import DocumentFileForm, DocumentForm
from enlace.profiles.models import Document
from enlace.profiles.services import current_data
from enlace.profiles.uploads import too_large, too_large_together
from enlace.profiles.views import company_person_required

# Which field of the form a refusal belongs to.
ERROR_FIELDS = {"document_dates": "expires_on", "document_kind": "kind"}
# What a form adds to its file's bytes (the other fields, the multipart boundaries), at most.
FORM_OVERHEAD = 64 * 1024


def upload_within_limit(view=None, *, files=1):
    """Refuse a POST larger than `files` accepted files before its body is read (Django would
    first write it all to a temporary file); CSRF is checked after that, for the rest."""
    if view is None:
        return lambda view: upload_within_limit(view, files=files)
    protected = csrf_protect(view)

    @wraps(view)
    @csrf_exempt
    def wrapped(request, *args, **kwargs):
        limit = settings.DOCUMENTS_MAX_UPLOAD_BYTES
        if request.method == "POST" and _content_length(request) > files * limit + FORM_OVERHEAD:
            refusal = too_large(limit) if files == 1 else too_large_together(files * limit)
            messages.error(request, str(refusal.message))
            return redirect(request.path)
        return protected(request, *args, **kwargs)

    return wrapped


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@company_person_required
def documents(request, company):
    context = {"company": company, **documents_context(current_data(company)), "own": True}
    return render(request, "profiles/documents.html", context)


def _saved(request, version):
    messages.success(request, _("Saved as version %(number)s of the profile.") % {"number": version.number})
    return redirect("profiles:documents")


def _refused(form, error: DomainError) -> None:
    field = ERROR_FIELDS.get(error.code, "file")
    form.add_error(field if field in form.fields else None, str(error.message))


@company_person_required
@upload_within_limit
def add(request, company):
    form = DocumentForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            version = add_document(
                company=company, by=request.user, upload=form.cleaned_data["file"], **_details(form)
            )
        except DomainError as error:
            _refused(form, error)
        else:
            return _saved(request, version)
    return _form_page(request, {"form": form, "company": company, "document": None})


@company_person_required
@upload_within_limit
def replace(request, company, public_id):
    document = current_document(company, public_id)
    if document is None:
        raise Http404
    form = DocumentFileForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            version = replace_document(
                company=company,
                by=request.user,
                public_id=public_id,
                upload=form.cleaned_data["file"],
                **_details(form),
            )
        except DomainError as error:
            _refused(form, error)
        else:
            return _saved(request, version)
    kind = DocumentKind(document["kind"]).label
    return _form_page(request, {"form": form, "company": company, "document": document, "kind": kind})


def _form_page(request, context):
    context["max_size"] = settings.DOCUMENTS_MAX_UPLOAD_BYTES
    return render(request, "profiles/document_form.html", context)


@require_POST
@company_person_required
def remove(request, company, public_id):
    if current_document(company, public_id) is None:
        raise Http404
    return _saved(request, remove_document(company=company, by=request.user, public_id=public_id))


def _posted(request) -> tuple:
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def _details(form) -> dict:
    return {
        name: form.cleaned_data[name]
        for name in ("kind", "issued_on", "expires_on")
        if name in form.cleaned_data
    }


def document_file(request, public_id):
    """The file, for the company's people and the staff of its buyers; 404 for anyone else.
    Always a download (never shown in the page), under its cleaned name and the type its bytes
    were found to be."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    document = Document.objects.filter(public_id=public_id).first()
    if document is None or not access.reads_profile(request.user, request.membership, document.company_id):
        raise Http404
    if access.company_of(request.user) is None:
        access.note_buyer_read(
            organization=request.organization, company=document.company, by=request.user, name=document.name
        )
    return private_download(readable_file(document), document.name, document.content_type)
