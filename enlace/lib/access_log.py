"""Access logs that do not keep the secrets of emailed links.

The activation, registration, password reset and new address links carry their token in the
path (/a/<token>/, /r/<token>/, /p/<token>/, /e/<token>/) until the page moves it out of the
address; a web server or proxy that logs request lines, or the Referer of the next request,
would otherwise keep a usable token.
"""

import re

LINK_SECRET = re.compile(r"(/[arpe]/)[^/?#\s\"]+")
REDACTED = r"\1[redacted]"


def redact_link_secrets(text: str) -> str:
    return LINK_SECRET.sub(REDACTED, text)
