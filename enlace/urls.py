from anymail import urls as anymail_urls
from django.conf import settings
from django.urls import include, path

from enlace.accounts.views import places
from enlace.accounts.views.language import set_language
from enlace.api.api import api
from enlace.mail import views as mail_views
from enlace.organizations import views as organization_views


def provider_webhook_urls(provider: str) -> list:
    """The bounce (tracking) webhook of the configured email provider, and no other: the other
    providers' views would answer errors without their optional packages, and are no one's to
    call. Signed with ENLACE_ANYMAIL_WEBHOOK_SECRET (see docs/operations.md)."""
    tracking = [p for p in anymail_urls.urlpatterns if p.name == f"{provider}_tracking_webhook"]
    return [path("mail/provider/", include((tracking, "anymail")))] if provider and tracking else []


urlpatterns = [
    path("", organization_views.home, name="home"),
    path("org/switch/", places.switch, name="org_switch"),
    path("settings/", organization_views.settings_view, name="settings"),
    path("settings/", include("enlace.api.urls")),
    path("api/v1/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("enlace.accounts.urls")),
    path("", include("enlace.partners.urls")),
    path("", include("enlace.profiles.urls")),
    path("imports/", include("enlace.imports.urls")),
    path("requests/", include("enlace.invitations.urls")),
    *provider_webhook_urls(settings.EMAIL_PROVIDER),
    path("dev/mailbox/", mail_views.mailbox, name="mailbox"),
    path("dev/mailbox/<int:pk>/", mail_views.mailbox_message, name="mailbox_message"),
    path("dev/mailbox/<int:pk>/html/", mail_views.mailbox_message_html, name="mailbox_message_html"),
]
