"""Running a test scenario module in a process of its own, as a worker or a web process would."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_scenario(module, env, *args, timeout=60):
    """Run `python -m module args…` with `env`; its JSON answer, or None when it prints nothing."""
    result = subprocess.run(
        [sys.executable, "-m", module, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else None
