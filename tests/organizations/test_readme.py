"""The README documents every ENLACE_* variable the settings read."""

import re
from pathlib import Path

import enlace

ROOT = Path(enlace.__file__).parent.parent


def test_every_environment_variable_is_documented():
    settings_source = (ROOT / "enlace" / "settings.py").read_text()
    read = set(re.findall(r'env(?:bool|int)?\("([A-Z_]+)"', settings_source))
    readme = (ROOT / "README.md").read_text()
    undocumented = sorted(name for name in read if f"ENLACE_{name}" not in readme)
    assert read and not undocumented, f"not in the README: {undocumented}"
