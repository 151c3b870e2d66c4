"""How a batch of emails reaches the server: pipelined over Django's SMTP settings
(enlace.mail.smtp), or one at a time through any other email backend; and what an answer means
(a temporary or a permanent failure).

A channel is handed each email as a function that builds its `Email` (enlace.mail.rendering), so
that an error while building it, a bug of ours, is reported like any other failure of that
email instead of stopping the batch.
"""

import contextlib
import logging
import smtplib

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

from enlace.mail import smtp
from enlace.mail.rendering import message, needs_smtputf8, wire_bytes

logger = logging.getLogger("enlace.invitations.delivery")

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# A reason stored in English and translated where a person reads it (invitations.failures).
NOT_ONE_RECIPIENT = gettext_noop("refused: the message must have exactly its one recipient")


class TemporaryFailure(Exception):
    """The server or the network said "not now": try again later."""

    def __init__(
        self,
        reason: str,
        *,
        connection_lost: bool = False,
        maybe_accepted: bool = True,
        about_recipient: bool = False,
    ):
        super().__init__(reason)
        self.connection_lost = connection_lost
        # False when the message certainly did not reach the server (refused before its end).
        self.maybe_accepted = maybe_accepted
        # True when the server answered this recipient or this message (a 421 to its RCPT TO or
        # to its end), rather than refusing the connection, our login or our sender.
        self.about_recipient = about_recipient


class PermanentFailure(Exception):
    """The server refused this recipient or this message for good (5xx)."""


def withdraw(transfer):
    if hasattr(transfer, "cancel"):
        transfer.cancel()


def _built(make_email, render):
    """render(make_email()), or the failure its error stands for."""
    email = None
    try:
        email = make_email()
        return email, render(email)
    except ValueError as error:
        if "one recipient" in str(error):
            return email, PermanentFailure(NOT_ONE_RECIPIENT)
        error_ = error
    except Exception as error:
        error_ = error
    # A bug of ours (a template, a missing translation) must delay this email, not lose it: it
    # is retried like a temporary failure, and fails with the reason in the end.
    logger.error("Building the email to %s failed", email.to if email else "?", exc_info=error_)
    return email, TemporaryFailure(f"{type(error_).__name__}: {error_}"[:500])


class _Restarts:
    """When a connection is lost, whether the rest of the chunk goes over a new one now.

    Yes after a connection that delivered messages (many servers take only so many per
    connection). Yes once after one that delivered nothing because the server refused one
    recipient or message (a 421 to its RCPT TO): the rest must not wait behind that one. Not
    after a second connection in a row that delivered nothing, nor when the server refused the
    connection itself: a server that refuses us is not asked again at once.
    """

    def __init__(self):
        self.fruitless = 0  # connections in a row that ended without delivering a message

    def allowed(self, *, delivered: bool, about_recipient: bool) -> bool:
        if delivered:
            self.fruitless = 0
            return True
        self.fruitless += 1
        return about_recipient and self.fruitless == 1


class SMTPChannel:
    """Messages as bytes, over one pipelined SMTP connection (enlace.mail.smtp)."""

    def __init__(self):
        self.connection = None
        self.restarts = _Restarts()

    def prepare(self, make_email):
        """Start sending the email that make_email() builds: a transfer, or the failure."""
        _, built = _built(make_email, wire_bytes)
        if isinstance(built, Exception):
            return built
        sender, recipient, data = built
        if self.connection is None:
            self.connection = smtp.PipelinedSMTP()
        return _SMTPTransfer(self.connection.submit(sender, recipient, data))

    def start_over(self, *, about_recipient: bool) -> bool:
        """After the connection was lost: close it, and say whether the rest of the chunk goes
        over a new one now (see _Restarts) or waits for its retry."""
        delivered = self.connection is not None and self.connection.accepted > 0
        self.close()
        return self.restarts.allowed(delivered=delivered, about_recipient=about_recipient)

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
        except smtp.Unsendable as error:
            raise PermanentFailure(str(error)) from error
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
    """A 5xx about the recipient or the message fails that email; anything else is retried."""
    if error.about_recipient and 500 <= error.code < 600:
        return PermanentFailure(str(error))
    return TemporaryFailure(
        str(error), connection_lost=error.connection_lost, about_recipient=error.about_recipient
    )


class BackendChannel:
    """EmailMessages through the configured backend's send_messages, one at a time."""

    def __init__(self):
        self.connection = None
        self.sent = 0  # over the current connection, or the last one until a new one opens
        self.restarts = _Restarts()
        # Django's SMTP backend (and those built on it) writes the envelope itself, without
        # SMTPUTF8: an internationalized address would reach the server mangled.
        self.speaks_smtp = issubclass(import_string(settings.EMAIL_BACKEND), SMTPBackend)

    def prepare(self, make_email):
        """As SMTPChannel.prepare."""
        email, built = _built(make_email, message)
        if isinstance(built, Exception):
            return built
        # One message, one recipient: nothing in a name or an address can add another.
        if len(built.recipients()) != 1 or built.recipients() != [email.to]:
            return PermanentFailure(NOT_ONE_RECIPIENT)
        if self.speaks_smtp and needs_smtputf8(email.to):
            return PermanentFailure(smtp.NOT_SENT_NO_SMTPUTF8_BACKEND)
        return _BackendTransfer(self, built)

    def start_over(self, *, about_recipient: bool) -> bool:
        """As SMTPChannel.start_over: the next message opens a new connection."""
        delivered = self.sent > 0
        self.close()
        return self.restarts.allowed(delivered=delivered, about_recipient=about_recipient)

    def close(self):
        if self.connection is not None:
            with contextlib.suppress(Exception):  # it may be broken already; we only let go of it
                self.connection.close()
            self.connection = None


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
                channel.sent = 0
            self.message.connection = channel.connection
            channel.connection.send_messages([self.message])
            channel.sent += 1
        except smtplib.SMTPRecipientsRefused as error:  # another SMTP-speaking backend
            code, answer = next(iter(error.recipients.values()))
            self.error = _refusal(smtp.Refused(code, answer, connection_lost=code == 421))
        except smtplib.SMTPDataError as error:  # an answer to this message
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


def send_one(make_email) -> None:
    """Send one email on a connection of its own, for the rare message that is not part of a
    batch. Raises TemporaryFailure or PermanentFailure as a batch's transfer would."""
    channel = SMTPChannel() if settings.EMAIL_BACKEND == SMTP_BACKEND else BackendChannel()
    try:
        transfer = channel.prepare(make_email)
        if isinstance(transfer, Exception):
            raise transfer
        transfer.proceed()
        transfer.result()
    finally:
        channel.close()
