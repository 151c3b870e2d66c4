"""One SMTP connection driven from a thread of its own, so that the worker prepares and records
the next message while the server answers this one.

The worker hands each message over as a `Transfer` before it has claimed it. The thread sends
MAIL FROM, RCPT TO and DATA (in one write when the server offers PIPELINING) and then the message
itself, and waits: the final "." that ends the message, the only line on which the server
accepts it, goes when the worker says `proceed()`, which the worker does only after its database
has recorded the previous message's outcome and claimed this one. So at any moment at most one
message can be accepted by the server and not yet recorded: a worker killed at any point sends
that one message again, never more. `cancel()` (the claim went to someone else) drops the
connection instead, which makes the server discard the unfinished transaction; the next transfer
opens a new one.

An internationalized address (a local part beyond ASCII, josé@uni.example) goes as it is, in
UTF-8, with SMTPUTF8 on MAIL FROM (RFC 6531), to a server that offers that extension; to one that
does not, the message is not sent at all (`Unsendable`): the address would have to be mangled to
go, and a mangled address is not the person's.
"""

import contextlib
import functools
import queue
import re
import smtplib
import socket
import threading

from django.core.mail import get_connection
from django.utils.translation import gettext_noop

_LEADING_DOT = re.compile(rb"(?m)^\.")


_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


def _quoted(address: str) -> str:
    """smtplib.quoteaddr(address), without parsing a plain address."""
    return f"<{address}>" if _PLAIN_ADDRESS.fullmatch(address) else _parsed_and_quoted(address)


def _needs_smtputf8(transfer) -> bool:
    return not (transfer.sender.isascii() and transfer.recipient.isascii())


@functools.lru_cache(maxsize=64)
def _parsed_and_quoted(address: str) -> str:
    return smtplib.quoteaddr(address)


class Refused(Exception):
    """The server answered with an error; `code` and `answer` say which."""

    def __init__(self, code: int, answer, *, connection_lost: bool, about_recipient: bool = True):
        if isinstance(answer, bytes):
            answer = answer.decode(errors="replace")
        super().__init__(f"{code} {answer}".strip()[:500])
        self.code = code
        self.connection_lost = connection_lost
        # False for refusals of the connection, our login or our sender address.
        self.about_recipient = about_recipient


# Reasons stored in English and translated where a person reads them (invitations.failures).
NOT_SENT_NO_SMTPUTF8 = gettext_noop(
    "not sent: the address has characters beyond ASCII, which need SMTPUTF8 (RFC 6531), "
    "and the mail server does not offer it"
)
NOT_SENT_NO_SMTPUTF8_BACKEND = gettext_noop(
    "not sent: the address has characters beyond ASCII, which need SMTPUTF8 (RFC 6531), "
    "and the configured email backend cannot send it"
)


class Unsendable(Exception):
    """This message cannot go to this server as it is (nothing of it was sent); why, in words."""


class Broken(Exception):
    """The connection failed (refused, dropped, timed out): nothing more goes over it."""

    connection_lost = True


class Cancelled(Exception):
    """The worker withdrew the message before its end was sent."""


class Transfer:
    """One message on its way: handed to the thread, then allowed to finish or withdrawn."""

    def __init__(self, sender: str, recipient: str, data: bytes):
        self.sender = sender
        self.recipient = recipient
        self.data = data
        self.error = None
        self.ended = False  # its final "." was sent
        self._decided = threading.Event()
        self._cancelled = False
        self._done = threading.Event()

    def proceed(self) -> None:
        self._decided.set()

    def cancel(self) -> None:
        self._cancelled = True
        self._decided.set()

    def result(self) -> None:
        """Wait for the server's answer: return if it accepted the message, else raise."""
        self._done.wait()
        if self.error is not None:
            raise self.error


class PipelinedSMTP:
    """Django's SMTP settings (host, TLS, login, timeout) on one connection, in one thread."""

    def __init__(self):
        self.backend = get_connection("django.core.mail.backends.smtp.EmailBackend")
        self.transfers = queue.SimpleQueue()
        self.last = None
        self.failure = None  # once the connection broke, every later transfer fails the same way
        self.accepted = 0  # messages the server accepted over this connection
        self.thread = threading.Thread(target=self._run, name="enlace-smtp", daemon=True)
        self.thread.start()

    def submit(self, sender: str, recipient: str, data: bytes) -> Transfer:
        transfer = Transfer(sender, recipient, data)
        self.transfers.put(transfer)
        self.last = transfer
        return transfer

    def close(self) -> None:
        if self.last is not None and not self.last._decided.is_set():
            self.last.cancel()  # the worker stopped before deciding: never finish that message
        self.transfers.put(None)
        self.thread.join()

    def _run(self):
        try:
            while (transfer := self.transfers.get()) is not None:
                try:
                    self._transfer(transfer)
                except (Refused, Broken, Cancelled, Unsendable) as error:
                    transfer.error = error
                except Exception as error:  # a bug must not leave the worker waiting for ever
                    self._drop()
                    transfer.error = Broken(f"{type(error).__name__}: {error}".strip())
                finally:
                    transfer._done.set()
        finally:
            self._quit()

    def _transfer(self, transfer):
        if self.failure is not None:
            raise self.failure
        try:
            connection = self._connection()
            if _needs_smtputf8(transfer) and not connection.has_extn("smtputf8"):
                raise Unsendable(NOT_SENT_NO_SMTPUTF8)
            self._envelope(connection, transfer)
            data = _LEADING_DOT.sub(b"..", transfer.data)
            if not data.endswith(b"\r\n"):
                data += b"\r\n"
            # The message goes now, its end only when the worker decides: the server reads
            # the message while the worker records the previous one, and accepts nothing
            # until the final "." arrives.
            connection.send(data)
            transfer._decided.wait()
            if transfer._cancelled:
                self._drop()  # the server discards a message whose end never came
                raise Cancelled()
            transfer.ended = True  # from here on the server may have accepted it
            connection.send(b".\r\n")
            self._expect(connection, connection.getreply(), (250,))
            self.accepted += 1
        except (smtplib.SMTPException, OSError) as error:
            # Refused at connect, HELO or AUTH, dropped, timed out: about the connection, never
            # about this recipient.
            self._drop()
            if isinstance(error, smtplib.SMTPResponseException):
                self.failure = Refused(
                    error.smtp_code, error.smtp_error, connection_lost=True, about_recipient=False
                )
            else:
                self.failure = Broken(f"{type(error).__name__}: {error}".strip())
            raise self.failure from error

    def _envelope(self, connection, transfer):
        """MAIL FROM, RCPT TO and DATA, as smtplib's mail(), rcpt() and data() would."""
        size = f" size={len(transfer.data)}" if connection.has_extn("size") else ""
        utf8 = " SMTPUTF8" if _needs_smtputf8(transfer) else ""
        # As bytes: an address beyond ASCII goes in UTF-8 (only ever with SMTPUTF8, see above).
        mail = f"mail FROM:{_quoted(transfer.sender)}{size}{utf8}\r\n".encode()
        rcpt = f"rcpt TO:{_quoted(transfer.recipient)}\r\n".encode()
        if connection.has_extn("pipelining"):
            self._pipelined_envelope(connection, mail, rcpt)
            return
        connection.send(mail)
        self._expect_sender(connection.getreply())
        connection.send(rcpt)
        self._expect(connection, connection.getreply(), (250, 251))
        connection.send("data\r\n")
        self._expect(connection, connection.getreply(), (354,))

    def _pipelined_envelope(self, connection, mail, rcpt):
        """The three commands in one write, then their three answers in order (RFC 2920)."""
        connection.send(mail + rcpt + b"data\r\n")
        self._expect_sender(connection.getreply())
        recipient = connection.getreply()
        if recipient[0] == 421:  # the server hung up: there is no answer to DATA to read
            self._expect(connection, recipient, (250, 251))
        data = connection.getreply()
        if recipient[0] not in (250, 251) and data[0] == 354:
            # The recipient was refused yet DATA accepted: end that empty message at once
            # (RFC 2920, 3.1); the server has nobody to deliver it to.
            connection.send(".\r\n")
            connection.getreply()
        self._expect(connection, recipient, (250, 251))
        self._expect(connection, data, (354,))

    def _expect_sender(self, reply):
        code, answer = reply
        if code != 250:  # our sender address, or the server is done with us: not about this recipient
            self._drop()
            self.failure = Refused(code, answer, connection_lost=True, about_recipient=False)
            raise self.failure

    def _connection(self):
        if self.backend.connection is None:
            self.backend.open()
            connection = self.backend.connection
            # The final "." goes alone after the message: without this the kernel would hold it
            # back until the server acknowledged the message (Nagle), some 40 ms each time.
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection.ehlo_or_helo_if_needed()
        return self.backend.connection

    def _expect(self, connection, reply, codes):
        code, answer = reply
        if code in codes:
            return
        if code == 421:  # the server is closing this connection
            self._drop()
            self.failure = Refused(code, answer, connection_lost=True)
            raise self.failure
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.rset()
        raise Refused(code, answer, connection_lost=False)

    def _drop(self):
        connection, self.backend.connection = self.backend.connection, None
        if connection is not None:
            with contextlib.suppress(Exception):  # broken already, or abandoned on purpose
                connection.close()

    def _quit(self):
        with contextlib.suppress(Exception):
            self.backend.close()
