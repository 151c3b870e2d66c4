"""bin/serve, the production server's command."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_it_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENLACE_")}
    done = subprocess.run([str(ROOT / "bin" / "serve")], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "ENLACE_SECRET_KEY is not set" in done.stderr
