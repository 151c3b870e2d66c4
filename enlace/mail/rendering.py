"""Render an email from its three templates in the recipient's language.

Each email is `mail/<name>-subject.txt`, `mail/<name>-body.txt` and `mail/<name>-body.html`.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def render_email(name: str, *, to: str, language: str, context: dict, headers=None):
    with translation.override(language):
        context = {"base_url": settings.BASE_URL, **context}
        subject = " ".join(render_to_string(f"mail/{name}-subject.txt", context).split())
        text = render_to_string(f"mail/{name}-body.txt", context)
        html = render_to_string(f"mail/{name}-body.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=context.get("from_email") or settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers or {},
    )
    message.attach_alternative(html, "text/html")
    return message
