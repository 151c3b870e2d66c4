from django.urls import include, path
from django.views.i18n import set_language

from enlace.api.api import api
from enlace.mail import views as mail_views
from enlace.organizations import views as organization_views

urlpatterns = [
    path("", organization_views.home, name="home"),
    path("org/switch/", organization_views.switch, name="org_switch"),
    path("settings/", organization_views.settings_view, name="settings"),
    path("settings/", include("enlace.api.urls")),
    path("api/v1/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("enlace.accounts.urls")),
    path("", include("enlace.partners.urls")),
    path("imports/", include("enlace.imports.urls")),
    path("requests/", include("enlace.invitations.urls")),
    path("mail/provider/", include("anymail.urls")),  # bounce webhooks, signed
    path("dev/mailbox/", mail_views.mailbox, name="mailbox"),
    path("dev/mailbox/<int:pk>/", mail_views.mailbox_message, name="mailbox_message"),
    path("dev/mailbox/<int:pk>/html/", mail_views.mailbox_message_html, name="mailbox_message_html"),
]
