from urllib.parse import urlsplit

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from enlace.api.models import WebhookEndpoint
from enlace.api.webhook_requests import host_refused
from enlace.lib.forms import TextField


class ApiKeyForm(forms.Form):
    name = TextField(
        label=_("Name"), max_length=100, help_text=_("What uses this key, e.g. “ERP sync (production)”.")
    )


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        validators=[URLValidator(schemes=["https", "http"])],
        help_text=_("Enlace sends a signed POST with a JSON body to this address."),
    )

    def clean_url(self):
        url = self.cleaned_data["url"]
        if host_refused(urlsplit(url).hostname or ""):
            raise forms.ValidationError(_("Use an address on the public internet."), code="private")
        return url

    events = forms.MultipleChoiceField(
        label=_("Events"), choices=WebhookEndpoint.Event.choices, widget=forms.CheckboxSelectMultiple
    )
