"""How a chunk's messages reach the server: pipelined over Django's SMTP settings
(enlace.mail.smtp), or one at a time through any other email backend; and what an answer means
(a temporary or a permanent failure)."""

import contextlib
import logging
import smtplib

from django.core.mail import get_connection

from enlace.invitations.models import Invitation
from enlace.mail import smtp
from enlace.mail.delivery.records import INVITATION, REMINDER

logger = logging.getLogger("enlace.mail.delivery")

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


class TemporaryFailure(Exception):
    """The server or the network said "not now": try again later."""

    def __init__(self, reason: str, *, connection_lost: bool = False, maybe_accepted: bool = True):
        super().__init__(reason)
        self.connection_lost = connection_lost
        # False when the message certainly did not reach the server (refused before its end).
        self.maybe_accepted = maybe_accepted


class PermanentFailure(Exception):
    """The server refused this recipient or this message for good (5xx)."""


def withdraw(transfer):
    if hasattr(transfer, "cancel"):
        transfer.cancel()


def _built(invitation, build):
    """What `build` made of the invitation, or the failure its error stands for."""
    try:
        return build(invitation)
    except ValueError as error:
        if "one recipient" in str(error):
            return PermanentFailure("refused: the message must have exactly its one recipient")
        error_ = error
    except Exception as error:
        error_ = error
    # A bug of ours (a template, a missing translation) must delay this email, not lose it: it
    # is retried like a temporary failure, and fails with the reason in the end.
    logger.error("Building the email of invitation %s failed", invitation.pk, exc_info=error_)
    return TemporaryFailure(f"{type(error_).__name__}: {error_}"[:500])


class SMTPChannel:
    """Messages as bytes, over one pipelined SMTP connection (enlace.mail.smtp)."""

    def __init__(self):
        self.connection = None

    def prepare(self, invitation, *, purpose):
        built = _built(invitation, lambda inv: message_bytes(inv, purpose=purpose))
        if isinstance(built, Exception):
            return built
        sender, recipient, data = built
        if self.connection is None:
            self.connection = smtp.PipelinedSMTP()
        return _SMTPTransfer(self.connection.submit(sender, recipient, data))

    def start_over(self) -> bool:
        """After the connection was lost: whether to open a new one for the rest of the chunk.
        Only if the lost one carried messages, so that a server that refuses us is not asked
        again at once (the chunk waits for its retry instead)."""
        if self.connection is None or self.connection.accepted == 0:
            return False
        self.close()
        return True

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class _SMTPTransfer:
    def __init__(self, transfer):
        self.transfer = transfer
        self.proceed = transfer.proceed
        self.cancel = transfer.cancel

    def result(self):
        try:
            self.transfer.result()
        except smtp.Refused as error:
            failure = _refusal(error)
            if isinstance(failure, TemporaryFailure):
                failure.maybe_accepted = self.transfer.ended
            raise failure from error
        except smtp.Broken as error:
            raise TemporaryFailure(
                str(error), connection_lost=True, maybe_accepted=self.transfer.ended
            ) from error


def _refusal(error: smtp.Refused) -> Exception:
    """A 5xx about the recipient or the message fails the invitation; anything else is retried."""
    if error.about_recipient and 500 <= error.code < 600:
        return PermanentFailure(str(error))
    return TemporaryFailure(str(error), connection_lost=error.connection_lost)


class BackendChannel:
    """EmailMessages through the configured backend's send_messages, one at a time."""

    def __init__(self):
        self.connection = None
        self.sent = 0  # over the current connection

    def prepare(self, invitation, *, purpose):
        message = _built(invitation, lambda inv: build_message(inv, purpose=purpose))
        if isinstance(message, Exception):
            return message
        # One message, one recipient: nothing in a name or an address can add another.
        if len(message.recipients()) != 1 or message.recipients() != [invitation.email]:
            return PermanentFailure("refused: the message must have exactly its one recipient")
        return _BackendTransfer(self, message)

    def start_over(self) -> bool:
        """As SMTPChannel.start_over: the next message opens a new connection."""
        started_over = self.sent > 0
        self.close()
        return started_over

    def close(self):
        if self.connection is not None:
            with contextlib.suppress(Exception):  # it may be broken already; we only let go of it
                self.connection.close()
            self.connection = None
        self.sent = 0


class _BackendTransfer:
    def __init__(self, channel, message):
        self.channel = channel
        self.message = message
        self.error = None

    def proceed(self):
        channel = self.channel
        try:
            if channel.connection is None:
                channel.connection = get_connection()
                channel.connection.open()
            self.message.connection = channel.connection
            channel.connection.send_messages([self.message])
            channel.sent += 1
        except smtplib.SMTPRecipientsRefused as error:  # another SMTP-speaking backend
            code, answer = next(iter(error.recipients.values()))
            self.error = _refusal(smtp.Refused(code, answer, connection_lost=code == 421))
        except smtplib.SMTPDataError as error:
            code = error.smtp_code
            self.error = _refusal(smtp.Refused(code, error.smtp_error, connection_lost=code == 421))
        except Exception as error:
            # An email provider's API (django-anymail) raises its own errors: retry them too.
            logger.exception("Sending to %s failed", self.message.to)
            channel.close()
            self.error = TemporaryFailure(f"{type(error).__name__}: {error}"[:500], connection_lost=True)

    def result(self):
        if self.error is not None:
            if isinstance(self.error, TemporaryFailure) and self.error.connection_lost:
                self.channel.close()
            raise self.error


def build_message(invitation: Invitation, *, purpose: str = INVITATION):
    from enlace.invitations.emails import build_invitation_email

    if purpose == REMINDER:
        from enlace.mail.reminders import build_reminder_email

        return build_reminder_email(invitation)
    return build_invitation_email(invitation)


def message_bytes(invitation: Invitation, *, purpose: str = INVITATION):
    """(sender, recipient, bytes) of the email, as Django's SMTP backend would send it."""
    from enlace.invitations.emails import invitation_email_bytes

    if purpose == REMINDER:
        from enlace.mail.reminders import reminder_email_bytes

        return reminder_email_bytes(invitation)
    return invitation_email_bytes(invitation)
