"""gunicorn's configuration for Enlace (`gunicorn -c python:enlace.serving.gunicorn enlace.wsgi`,
as bin/serve runs it). Every value can be changed with an ENLACE_* variable or on the command
line; the defaults suit a small server behind a proxy that terminates TLS."""

import os

from gunicorn.glogging import Logger

from enlace.lib.access_log import redact_link_secrets

bind = os.environ.get("ENLACE_BIND", f"127.0.0.1:{os.environ.get('ENLACE_PORT', '8000')}")
# Password hashing (Argon2) and the pages are CPU-bound: about two processes per core.
workers = int(os.environ.get("ENLACE_WEB_WORKERS", 2 * (len(os.sched_getaffinity(0)) or 1) + 1))
timeout = int(os.environ.get("ENLACE_WEB_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# A process that leaks memory is replaced now and then, not all at once.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("ENLACE_LOG_LEVEL", "info").lower()
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'


class RedactingLogger(Logger):
    """gunicorn's logger, with the secrets of emailed links taken out of every access log line."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact_link_secrets(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }


logger_class = RedactingLogger
