"""The one error type for expected failures. Views, the CLI and tasks turn it into a message,
an exit status or a recorded outcome; it never becomes a 500."""


class DomainError(Exception):
    def __init__(self, code: str, message, **extra):
        super().__init__(str(message))
        self.code = code
        self.message = message  # usually a lazy translation, rendered in the reader's language
        self.extra = extra
