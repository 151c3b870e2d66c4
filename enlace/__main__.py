"""The `enlace` command: Django's manage.py under the project's name."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enlace.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["enlace", *sys.argv[1:]])


if __name__ == "__main__":
    main()
