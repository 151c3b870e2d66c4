"""A worker process in the middle of an import's one apply transaction: another process (a web
page's poll) sees its progress but none of its rows; killed there, the worker leaves nothing
behind, and the next worker takes the task back and applies the file once. On SQLite (a file)
and on PostgreSQL, whichever the suite runs on."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.processes import run_scenario

ROOT = Path(__file__).resolve().parents[2]
LEASE = 2  # seconds: how long a silent worker keeps its task
ROWS = 1500  # the apply's first chunk is 1,000 rows


@pytest.fixture
def environment(tmp_path):
    if connection.vendor == "postgresql":
        settings = connection.settings_dict
        url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    else:
        url = f"sqlite:///{tmp_path / 'enlace.sqlite3'}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "enlace.settings",
        "ENLACE_SECRET_KEY": "import-tests-" + "k" * 40,
        "ENLACE_DATABASE_URL": url,
        "ENLACE_CACHE_URL": "locmem://",
        "ENLACE_VAR_DIR": str(tmp_path),
        "ENLACE_MAIL_LEASE_SECONDS": str(LEASE),
        "PYTHONPATH": str(ROOT),
    }


def scenario(env, *args):
    return run_scenario("tests.imports.scenario", env, *args, timeout=120)


def start(env, *args):
    return subprocess.Popen(
        [sys.executable, "-m", "tests.imports.scenario", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_for(path, worker, timeout=60):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert worker.poll() is None, worker.stderr.read().decode()
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_poll_sees_the_progress_of_the_apply_and_a_killed_worker_leaves_nothing(environment, tmp_path):
    batch = scenario(environment, "setup", str(ROWS))["batch"]
    worker = start(environment, "work")
    wait_for(tmp_path / "paused", worker)

    # The worker holds the apply transaction open, 1,000 partners written inside it.
    seen = scenario(environment, "poll", str(batch))
    assert seen["status"] == "applying"
    progress = seen["progress"]
    assert (progress["read"], progress["validated"], progress["applied"]) == (ROWS, ROWS, 1000)
    assert (progress["stage"], progress["done"], progress["total"]) == ("applied", 1000, ROWS)
    assert seen["bar"]
    assert seen["partners"] == 0  # not one row is visible before the commit

    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    after_crash = scenario(environment, "poll", str(batch))
    assert (after_crash["status"], after_crash["partners"]) == ("applying", 0)

    # The next worker takes the task of the dead one back and applies the file, once.
    (tmp_path / "go").write_text("")
    time.sleep(LEASE + 0.5)
    worker = start(environment, "work")
    assert worker.wait(timeout=120) == 0, worker.stderr.read().decode()
    assert scenario(environment, "report", str(batch)) == {
        "status": "applied",
        "created": ROWS,
        "partners": ROWS,
    }
