"""A real SMTP server for tests and benchmarks (aiosmtpd on 127.0.0.1, a free port), whose answers
a test can script: accept everything, answer 421 for a while (at connect or on DATA), refuse some
recipients with 550, drop the connection in the middle of a conversation, or just count and
discard (a sink for benchmarks)."""

import asyncio
import email
import socket
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


class ScriptedHandler:
    def __init__(self, keep=True):
        self.keep = keep  # False: count messages and discard them
        self.messages = []  # email.message.Message, in the order accepted
        self.envelopes = []  # the RCPT TO addresses of each accepted message
        self.count = 0
        self.first_at = self.last_at = None  # time.perf_counter() of the first and last accepted
        self.connections = 0
        self.refuse = set()  # recipients answered with 550
        self.refuse_for_now = set()  # recipients answered with 421, and the connection closed
        self.rcpts = []  # every RCPT TO address, accepted or not, in order
        self.mail_options = []  # the MAIL FROM parameters of each accepted message
        self.contents = []  # the bytes of each accepted message, as received
        # Offer SMTPUTF8 (RFC 6531), as aiosmtpd does by default; read by each new connection.
        self.smtputf8 = True
        self.refuse_connections = 0  # greet this many connections with 421 and hang up
        self.temporary_failures = 0  # answer 421 to this many DATA commands first
        self.drop_after = None  # close the connection after accepting this many messages
        self.delay = 0.0  # seconds to think before answering DATA (a slow server)
        # Offer PIPELINING (RFC 2920), as Postfix, Exim and the big providers do. aiosmtpd reads
        # commands line by line from a buffer, so it answers pipelined commands in order.
        self.pipelining = True
        self.pipelined_anyway = False  # a client sent commands ahead without PIPELINING offered
        self.messages_per_connection = None  # then "421 too many messages" to MAIL FROM, and hang up
        self.lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if not self.pipelining and server._reader._buffer:  # asyncio's StreamReader: unread bytes
            self.pipelined_anyway = True
        accepted = getattr(session, "accepted", 0)
        if self.messages_per_connection is not None and accepted >= self.messages_per_connection:
            server.transport.close()
            return "421 4.7.0 Too many messages on this connection"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts.append(address)
        if address.lower() in self.refuse_for_now:
            # The answer goes first, then the server hangs up (RFC 5321, 3.8).
            asyncio.get_running_loop().call_soon(server.transport.close)
            return "421 4.7.0 Try again later, closing connection"
        if address.lower() in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            if self.temporary_failures > 0:
                self.temporary_failures -= 1
                return "421 4.3.2 Service not available, try again later"
            if self.drop_after is not None and self.count >= self.drop_after:
                self.drop_after = None
                server.transport.close()
                return "421 closing"
            self.count += 1
            session.accepted = getattr(session, "accepted", 0) + 1
            self.last_at = time.perf_counter()
            if self.first_at is None:
                self.first_at = self.last_at
            if self.keep:
                self.messages.append(email.message_from_bytes(envelope.content))
                self.envelopes.append(list(envelope.rcpt_tos))
                self.mail_options.append(list(envelope.mail_options))
                self.contents.append(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


class ScriptedSMTP(SMTP):
    async def push(self, status):
        handler = self.event_handler
        if isinstance(status, str) and status.startswith("220 ") and not getattr(self, "_greeted", False):
            self._greeted = True
            with handler.lock:
                handler.connections += 1
                refuse = handler.refuse_connections > 0
                handler.refuse_connections -= refuse
            if refuse:
                await super().push("421 4.7.0 Too many connections, try again later")
                self.transport.close()
                return
        await super().push(status)


class ScriptedController(Controller):
    def factory(self):
        return ScriptedSMTP(self.handler, **{**self.SMTP_kwargs, "enable_SMTPUTF8": self.handler.smtputf8})


class SMTPServer:
    def __init__(self, keep=True):
        self.handler = ScriptedHandler(keep=keep)
        self.port = free_port()
        self.controller = ScriptedController(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        self.handler.connections = 0  # not the controller's own check that the server is up
        return self

    def stop(self):
        self.controller.stop()

    @property
    def messages(self):
        return self.handler.messages

    @property
    def count(self):
        return self.handler.count


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
