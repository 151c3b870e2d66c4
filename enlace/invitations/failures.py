"""Why an invitation's email did not arrive, as the person reading it speaks.

A reason is stored as the delivery left it: a mail server's own answer (shown as it came: those
are the server's words), or one of Enlace's own reasons, stored as its English message id and
translated when shown; "(N attempts)" after either is counted in the reader's language.
"""

import re

from django.utils.translation import gettext, gettext_noop, ngettext

INTERRUPTED_TWICE = gettext_noop(
    "Delivery interrupted twice: the message may have arrived; resend it if not."
)
TASK_ENDED = gettext_noop("its delivery task ended without sending it")
_ATTEMPTS = re.compile(r"(?P<reason>.*) \((?P<count>\d+) attempts\)", re.DOTALL)


def with_attempts(reason: str, attempts: int) -> str:
    """The stored form of a reason given after `attempts` attempts."""
    return f"{reason} ({attempts} attempts)"


def worded(stored: str) -> str:
    """A stored reason in the active language."""
    if not stored:
        return ""
    match = _ATTEMPTS.fullmatch(stored)
    reason = match["reason"] if match else stored
    # Enlace's own reasons are in the catalogs; a server's answer matches none and stays as is.
    reason = gettext(reason) if reason else reason
    if match is None:
        return reason
    count = int(match["count"])
    return ngettext("%(reason)s (%(count)d attempt)", "%(reason)s (%(count)d attempts)", count) % {
        "reason": reason,
        "count": count,
    }
