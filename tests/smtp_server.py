"""A real SMTP server for tests (aiosmtpd on 127.0.0.1, a free port), whose answers a test can
script: accept everything, answer 421 for a while, refuse some recipients with 550, or drop the
connection in the middle of a conversation."""

import email
import socket
import threading

from aiosmtpd.controller import Controller


class ScriptedHandler:
    def __init__(self):
        self.messages = []  # email.message.Message, in the order accepted
        self.refuse = set()  # recipients answered with 550
        self.temporary_failures = 0  # answer 421 to this many DATA commands first
        self.drop_after = None  # close the connection after accepting this many messages
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.temporary_failures > 0:
                self.temporary_failures -= 1
                return "421 4.3.2 Service not available, try again later"
            if self.drop_after is not None and len(self.messages) >= self.drop_after:
                self.drop_after = None
                session.transport.close()
                return "421 closing"
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self):
        self.handler = ScriptedHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    @property
    def messages(self):
        return self.handler.messages


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
