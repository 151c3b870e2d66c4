from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.clickjacking import xframe_options_sameorigin

from enlace.mail.models import MailboxMessage


def _debug_only():
    if not settings.DEBUG:
        raise Http404


def mailbox(request):
    """Every message the development mailbox kept, newest first. Only with DEBUG on."""
    _debug_only()
    page = Paginator(MailboxMessage.objects.all(), 50).get_page(request.GET.get("page"))
    return render(request, "mail/mailbox.html", {"page": page})


def mailbox_message(request, pk):
    _debug_only()
    message = get_object_or_404(MailboxMessage, pk=pk)
    return render(request, "mail/mailbox_message.html", {"message": message})


@xframe_options_sameorigin
def mailbox_message_html(request, pk):
    _debug_only()
    message = get_object_or_404(MailboxMessage, pk=pk)
    response = render(request, "mail/mailbox_html.html", {"message": message})
    # The message's own HTML, shown in a frame: let it keep its inline styles, nothing more.
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
    )
    return response
