"""The production server's access log keeps no secret of an emailed link."""

import datetime as dt
from types import SimpleNamespace

from gunicorn.config import Config

from enlace.lib.access_log import redact_link_secrets
from enlace.serving import gunicorn as serving

TOKEN = "kq3Jx8y0Vd-Zt7pQ2mW9sLc4bN1rF6hA"


def test_link_paths_lose_their_token_and_nothing_else():
    assert redact_link_secrets(f"GET /r/{TOKEN}/ HTTP/1.1") == "GET /r/[redacted]/ HTTP/1.1"
    assert (
        redact_link_secrets(f"https://portal.example/a/{TOKEN}/?x=1")
        == "https://portal.example/a/[redacted]/?x=1"
    )
    assert redact_link_secrets(f"GET /p/{TOKEN}/ HTTP/1.1") == "GET /p/[redacted]/ HTTP/1.1"  # password reset
    assert redact_link_secrets(f"GET /e/{TOKEN}/ HTTP/1.1") == "GET /e/[redacted]/ HTTP/1.1"  # new address
    assert redact_link_secrets("GET /imports/r/ HTTP/1.1") == "GET /imports/r/ HTTP/1.1"  # no token there
    assert redact_link_secrets("GET /users/12/ HTTP/1.1") == "GET /users/12/ HTTP/1.1"


def test_gunicorns_access_log_line_has_no_token_in_the_request_or_the_referer():
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", serving.access_log_format)
    logger = serving.logger_class(config)
    assert isinstance(logger, serving.RedactingLogger)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/a/{TOKEN}/",
        "PATH_INFO": f"/a/{TOKEN}/",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://portal.example/r/{TOKEN}/",
        "HTTP_USER_AGENT": "test",
    }
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    response = SimpleNamespace(status="302 Found", response_length=0, sent=0, headers=[])
    atoms = logger.atoms(response, request, environ, dt.timedelta(milliseconds=3))
    line = serving.access_log_format % atoms
    assert TOKEN not in line
    assert '"GET /a/[redacted]/ HTTP/1.1" 302' in line
    assert '"https://portal.example/r/[redacted]/"' in line
