"""Every error the API answers has one shape, in the language of Accept-Language:

    {"error": {"code": "…", "message": "…", "field": "…" or null, "rows": [...] or null}}

Expected failures (DomainError), Django's ValidationError and the request's own schema errors
are mapped here, in one place.
"""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, BadRequest, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError

from enlace.api.auth import RateLimited
from enlace.lib.errors import DomainError

# Expected failures that are not about the request's form but the state of things.
CONFLICT_CODES = {
    "partner_exists",
    "code_taken",
    "username_taken",
    "email_taken",
    "not_pending",
    "already_disabled",
    "not_disabled",
    "not_ready",
    "not_allowed_in_state",
}
UNPROCESSABLE_CODES = {
    "invalid_rows",
    "too_many_rows",
    "invalid_cursor",
    "not_editable",
    "empty_profile",
    "reason_required",
    "comment_required",
    "unknown_fields",
    "too_long",
}


def error_body(code: str, message, *, field=None, rows=None) -> dict:
    return {"error": {"code": code, "message": str(message), "field": field, "rows": rows}}


def first_django_error(error: DjangoValidationError) -> tuple[str | None, str, str]:
    """(field, code, message) of the first message in a ValidationError."""
    if hasattr(error, "error_dict"):
        field, errors = next(iter(error.error_dict.items()))
        inner = errors[0]
        field = None if field == NON_FIELD_ERRORS else field
    else:
        field, inner = None, error.error_list[0]
    message = inner.message % inner.params if inner.params else inner.message
    return field, inner.code or "invalid", str(message)


def form_error(form) -> DjangoValidationError:
    """A form's errors as one ValidationError, the first field's first message first."""
    return DjangoValidationError(
        {field: [e for e in errors.as_data()] for field, errors in form.errors.items()}
    )


def schema_message(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This value is required.")
    if kind in {"string_too_long", "too_long"}:
        limit = ctx.get("max_length", "")
        if kind == "too_long":
            return _("Send at most %(max)s items.") % {"max": limit}
        return _("Ensure this value has at most %(max)s characters.") % {"max": limit}
    if kind in {"greater_than_equal", "greater_than"}:
        return _("Ensure this value is at least %(min)s.") % {"min": ctx.get("ge", ctx.get("gt", ""))}
    if kind in {"less_than_equal", "less_than"}:
        return _("Ensure this value is at most %(max)s.") % {"max": ctx.get("le", ctx.get("lt", ""))}
    if kind in {"literal_error", "enum"}:
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind.startswith("int_"):
        return _("Enter a whole number.")
    if kind.startswith("bool_"):
        return _("Enter true or false.")
    if kind.startswith("datetime_") or kind.startswith("date_"):
        return _("Enter a date and time in ISO 8601 form.")
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return _("Send a JSON object.")
    if kind == "list_type":
        return _("Send a JSON list.")
    if kind.startswith("string_"):
        return _("Enter text.")
    return _("Enter a valid value.")


def schema_field(loc) -> str | None:
    # ("body", "payload", "items", 3, "name") -> "items.3.name"; ("query", "limit") -> "limit"
    parts = list(loc or [])
    if parts and parts[0] == "body":
        parts = parts[2:]
    elif parts and parts[0] in {"query", "path", "header", "form", "file"}:
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or None


def install(api) -> None:
    def respond(request, status, body, headers=None):
        response = api.create_response(request, body, status=status)
        for name, value in (headers or {}).items():
            response[name] = value
        return response

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        if exc.code in CONFLICT_CODES:
            status = 409
        elif exc.code in UNPROCESSABLE_CODES:
            status = 422
        else:
            status = 400
        body = error_body(exc.code, exc.message, field=exc.extra.get("field"), rows=exc.extra.get("rows"))
        return respond(request, status, body)

    @api.exception_handler(DjangoValidationError)
    def django_validation_error(request, exc: DjangoValidationError):
        field, code, message = first_django_error(exc)
        return respond(request, 422, error_body(code, message, field=field))

    @api.exception_handler(SchemaValidationError)
    def schema_validation_error(request, exc: SchemaValidationError):
        first = exc.errors[0] if exc.errors else {}
        if first.get("type") == "json_invalid":
            return respond(request, 400, error_body("invalid_json", _("The request body is not valid JSON.")))
        body = error_body("invalid", schema_message(first), field=schema_field(first.get("loc")))
        return respond(request, 422, body)

    @api.exception_handler(RequestDataTooBig)
    def too_large(request, exc):
        # Django's limit on a body it holds in memory (DATA_UPLOAD_MAX_MEMORY_SIZE; files aside).
        megabytes = f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024):g}"
        message = _("The request body is larger than the limit of %(mb)s MB.") % {"mb": megabytes}
        return respond(request, 413, error_body("too_large", message))

    @api.exception_handler(SuspiciousOperation)
    @api.exception_handler(MultiPartParserError)
    @api.exception_handler(BadRequest)
    def unreadable_request(request, exc):
        # Too many fields or files, a broken multipart body ...: Django would answer an HTML 400.
        return respond(request, 400, error_body("invalid_request", _("The request cannot be read.")))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, 404, error_body("not_found", _("Not found.")))

    @api.exception_handler(AuthenticationError)
    def unauthorized(request, exc):
        message = _("Send a valid API key as: Authorization: Bearer <key>.")
        return respond(request, 401, error_body("unauthorized", message), {"WWW-Authenticate": "Bearer"})

    @api.exception_handler(RateLimited)
    def rate_limited(request, exc: RateLimited):
        message = ngettext(
            "Too many requests for this API key. Retry in %(seconds)s second.",
            "Too many requests for this API key. Retry in %(seconds)s seconds.",
            exc.retry_after,
        ) % {"seconds": exc.retry_after}
        return respond(
            request, 429, error_body("rate_limited", message), {"Retry-After": str(exc.retry_after)}
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if exc.status_code == 400:
            return respond(request, 400, error_body("invalid_json", _("The request body is not valid JSON.")))
        return respond(request, exc.status_code, error_body("http_error", exc.message))
