"""Import pages: the list of batches, one upload page per kind, the result of each batch."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.vary import vary_on_headers

from enlace.imports.background import background_threshold, import_or_queue
from enlace.imports.models import ImportBatch
from enlace.imports.progress import batch_progress
from enlace.imports.readers import FileError, limit
from enlace.imports.spreadsheets import error_report_xlsx, template_csv, template_xlsx
from enlace.imports.wording import worded_batch_errors
from enlace.invitations.funnel import onboarding_funnel
from enlace.organizations.decorators import staff_required

# URL slug -> batch kind
KINDS = {
    "customers": ImportBatch.Kind.CUSTOMERS,
    "customer-users": ImportBatch.Kind.CUSTOMER_USERS,
    "suppliers": ImportBatch.Kind.SUPPLIERS,
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def kind_for(slug) -> str:
    if slug not in KINDS:
        raise Http404
    return KINDS[slug]


def download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_required(admin=True)
def batch_list(request):
    batches = ImportBatch.objects.filter(organization=request.organization).select_related("uploaded_by")
    page = Paginator(batches, 50).get_page(request.GET.get("page"))
    return render(request, "imports/batch_list.html", {"page": page, "kinds": KINDS})


@staff_required(admin=True)
def upload(request, slug):
    kind = kind_for(slug)
    error = None
    if request.method == "POST":
        uploaded = request.FILES.get("file")
        if uploaded is None:
            error = _("Choose a file to upload.")
        else:
            try:
                batch = import_or_queue(
                    organization=request.organization,
                    kind=kind,
                    file=uploaded,
                    filename=uploaded.name,
                    by=request.user,
                    resend_pending=request.POST.get("resend_pending") == "1",
                )
            except FileError as file_error:
                error = file_error.message
            else:
                return redirect("imports:batch_detail", pk=batch.pk)
    context = {
        "slug": slug,
        "kind": kind,
        "kind_label": ImportBatch.Kind(kind).label,
        "error": error,
        "max_mb": limit("IMPORT_MAX_UPLOAD_BYTES") // (1024 * 1024),
        "max_rows": limit("IMPORT_MAX_ROWS"),
        "background_rows": background_threshold(),
    }
    return render(request, "imports/upload.html", context, status=400 if error else 200)


@staff_required(admin=True)
def template(request, slug, extension):
    kind = kind_for(slug)
    language = translation.get_language() or "es"
    name = f"{slug}-template-{language}.{extension}"
    if extension == "xlsx":
        return download(template_xlsx(kind), name, XLSX)
    return download(
        template_csv(kind, delimiter=request.organization.csv_delimiter), name, "text/csv; charset=utf-8"
    )


# htmx stops polling when the answer's status is 286.
STOP_POLLING = 286


@staff_required(admin=True)
@vary_on_headers("HX-Request")
def batch_detail(request, pk):
    """The outcome of a batch; while the worker processes it, its progress, which the page polls."""
    batch = get_object_or_404(
        ImportBatch.objects.select_related("uploaded_by", "organization"),
        pk=pk,
        organization=request.organization,
    )
    context = {"batch": batch, "errors": worded_batch_errors(batch, batch.errors[:1000])}
    if batch.running:
        context["progress"] = batch_progress(batch)
    elif batch.status == ImportBatch.Status.APPLIED and (batch.invitations or batch.left_pending):
        context["funnel"] = onboarding_funnel(
            organization=request.organization,
            filters={"batch": batch.pk},
            activation=batch.kind == ImportBatch.Kind.CUSTOMER_USERS,
        )
    if request.htmx:
        status = 200 if batch.running else STOP_POLLING
        return render(request, "imports/_batch_status.html", context, status=status)
    return render(request, "imports/batch_detail.html", context)


@staff_required(admin=True)
def error_report(request, pk):
    batch = get_object_or_404(
        ImportBatch.objects.select_related("organization"), pk=pk, organization=request.organization
    )
    if batch.status != ImportBatch.Status.REJECTED or not batch.file:
        raise Http404
    with batch.file.open("rb") as file:
        content = error_report_xlsx(batch, file)
    stem = batch.filename.rsplit(".", 1)[0] or "import"
    return download(content, f"{stem}-errors.xlsx", XLSX)
