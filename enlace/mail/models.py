from django.db import models


class MailboxMessage(models.Model):
    """An outgoing message kept by the development mailbox instead of being sent."""

    message_id = models.CharField(max_length=300, blank=True)
    from_email = models.CharField(max_length=300)
    to = models.CharField(max_length=1000)
    subject = models.CharField(max_length=500)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.subject} → {self.to}"
