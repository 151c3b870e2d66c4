"""A worker process of enlace.imports.checking: checks the rows of batches it reads on stdin.

Run as `python -m enlace.imports.check_worker KIND COUNTRY LANGUAGE [COLUMN ...]` by the
importing process, with the settings module it uses but none of its secrets
(checking.worker_environment). Each message in, a batch of
(row number, {column: text}) pairs; each message out, that batch's (row number, clean values,
errors), in the same order. Its first message says it is ready. It ends when its input does.
"""

import os
import sys


def main(kind: str, country: str, language: str, present: list[str]) -> None:
    # Standard output carries the answers: anything else printed goes to standard error.
    sink = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enlace.settings")
    import django

    django.setup()
    from django.utils import translation

    from enlace.imports.checking import READY, check_here, read_message, write_message
    from enlace.imports.validators import VALIDATORS
    from enlace.organizations.models import Organization

    if language:
        translation.activate(language)
    validator = VALIDATORS[kind](organization=Organization(country=country), present=present, keep_rows=False)
    write_message(sink, READY)
    source = sys.stdin.buffer
    while (batch := read_message(source)) is not None:
        write_message(sink, check_here(validator, batch))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
