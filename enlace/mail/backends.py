from django.core.mail.backends.base import BaseEmailBackend


class MailboxBackend(BaseEmailBackend):
    """Keeps every message in the database, to be read at /dev/mailbox/ while DEBUG is on.

    The database (not memory) so that the web process can show what the worker "sent".
    """

    def send_messages(self, email_messages):
        from enlace.mail.models import MailboxMessage

        for message in email_messages:
            html = ""
            for content, mimetype in getattr(message, "alternatives", []):
                if mimetype == "text/html":
                    html = content
            MailboxMessage.objects.create(
                message_id=message.extra_headers.get("Message-ID", ""),
                from_email=message.from_email,
                to=", ".join(message.to),
                subject=message.subject,
                text_body=message.body,
                html_body=html,
            )
        return len(email_messages)
