"""Every string a person reads is translated to Spanish."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

import enlace

# Words that are the same in both languages.
SAME_IN_SPANISH = {"Fax", "fax", "%(shown)s error", "Enlace", "Message-ID", "Email", "Spanish", "English"}
SAME_IN_SPANISH |= {"Ecuador", "Colombia", "Chile", "Argentina", "No"}


def extract_msgids(tmp_path) -> set[tuple[str, str]]:
    """Every (context, msgid) of the sources; context is "" for a message without one."""
    source = Path(enlace.__file__).parent
    work = tmp_path / "enlace"
    shutil.copytree(source, work, ignore=shutil.ignore_patterns("locale", "migrations", "static"))
    (work / "locale").mkdir()
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "es", "--no-location", "--no-wrap"],
        cwd=work,
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(source.parent)},
    )
    text = (work / "locale" / "es" / "LC_MESSAGES" / "django.po").read_text()
    ids = set()
    for block in text.split("\n\n"):
        match = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        if match:
            parts = re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1))
            msgid = "".join(parts).encode().decode("unicode_escape").encode("latin-1").decode()
            context = re.search(r'^msgctxt "((?:[^"\\]|\\.)*)"', block, re.M)
            if msgid:
                ids.add((context.group(1) if context else "", msgid))
    return ids


@pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="needs GNU gettext's xgettext to extract strings"
)
def test_every_message_has_a_spanish_translation(tmp_path):
    missing = []
    with translation.override("es"):
        for context, msgid in sorted(extract_msgids(tmp_path)):
            spanish = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
            if msgid not in SAME_IN_SPANISH and spanish == msgid:
                missing.append(msgid)
    assert not missing, "Untranslated to Spanish:\n" + "\n".join(missing)
