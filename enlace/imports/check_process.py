"""A check process of enlace.imports.checking: checks the rows of batches it reads on stdin.

Run as `python -m enlace.imports.check_process KIND COUNTRY LANGUAGE [COLUMN ...]` by the
importing process, with the settings module it uses but none of its secrets
(checking.check_process_environment). Each message in, a batch of
(row number, {column: text}) pairs; each message out, that batch's (row number, clean values,
errors), in the same order. Its first message says it is ready. It ends when its input does.

This module is a program: it sets Django up when imported, before importing the validators
(models cannot be imported earlier), and standard output carries only the answers.
"""

import os
import sys

import django

# Standard output carries the answers: from here on anything else printed goes to standard error.
ANSWERS = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enlace.settings")
django.setup()

from django.utils import translation  # noqa: E402 - after django.setup()

from enlace.imports.checking import READY, check_here, read_message, write_message  # noqa: E402
from enlace.imports.validators import VALIDATORS  # noqa: E402
from enlace.organizations.models import Organization  # noqa: E402


def main(kind: str, country: str, language: str, present: list[str]) -> None:
    if language:
        translation.activate(language)
    validator = VALIDATORS[kind](organization=Organization(country=country), present=present, keep_rows=False)
    write_message(ANSWERS, READY)
    source = sys.stdin.buffer
    while (batch := read_message(source)) is not None:
        write_message(ANSWERS, check_here(validator, batch))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
