"""The JSON API for ERP integrations, under /api/v1/. Thin: each operation parses, calls the
same service function as the pages, and answers."""

from ninja import NinjaAPI

from enlace.api import errors
from enlace.api.auth import ApiKeyAuth
from enlace.api.endpoints import imports, invitations, partners, profiles, users

# Swagger UI sets inline styles and loads its own bundle: relaxed for the docs page only.
DOCS_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self' 'unsafe-inline'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def docs_with_relaxed_csp(view):
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if getattr(request, "resolver_match", None) and request.resolver_match.url_name == "openapi-view":
            response["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
        return response

    return wrapped


api = NinjaAPI(
    title="Enlace API",
    version="1",
    description=(
        "Keep Enlace in sync with your ERP: suppliers, customers, portal users and invitations. "
        "Authenticate with `Authorization: Bearer <key>` (an administrator creates keys under "
        "Settings → API keys). See docs/api.md."
    ),
    auth=ApiKeyAuth(),
    urls_namespace="api-v1",
    docs_decorator=docs_with_relaxed_csp,
)
errors.install(api)
api.add_router("/suppliers", partners.suppliers)
api.add_router("/suppliers", profiles.router)
api.add_router("/customers", partners.customers)
api.add_router("/users", users.router)
api.add_router("/invitations", invitations.router)
api.add_router("/imports", imports.router)
