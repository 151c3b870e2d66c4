"""`enlace worker` as real processes against a real database and SMTP server: killed with
SIGKILL in the middle of a chunk and started again, and two of them sharing one queue."""

import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from tests.processes import run_scenario

ROOT = Path(__file__).resolve().parents[2]
LEASE = 2  # seconds: how long a silent worker keeps its task


def environment(database_url, smtp_server):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "enlace.settings",
        "ENLACE_SECRET_KEY": "worker-tests-" + "k" * 40,
        "ENLACE_DATABASE_URL": database_url,
        "ENLACE_EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}?timeout=5",
        "ENLACE_CACHE_URL": "locmem://",
        "ENLACE_MAIL_LEASE_SECONDS": str(LEASE),
        "PYTHONPATH": str(ROOT),
    }


def scenario(env, *args):
    return run_scenario("tests.mail.scenario", env, *args, timeout=60)


def start_worker(env, *args):
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/enlace"), "worker", "--interval", "0.1", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_for(condition, timeout=15):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def duplicates(smtp_server):
    copies = Counter(m["Message-ID"] for m in smtp_server.messages)
    return sum(n - 1 for n in copies.values()), len(copies)


@pytest.fixture
def database_url(tmp_path):
    if connection.vendor == "postgresql":
        settings = connection.settings_dict
        return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    return f"sqlite:///{tmp_path / 'enlace.sqlite3'}"


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_chunk_twice_loses_nothing_and_duplicates_at_most_one_per_kill(
    smtp_server, database_url
):
    env = environment(database_url, smtp_server)
    scenario(env, "setup", "60")
    smtp_server.handler.delay = 0.02  # about 1.5 s for the chunk: time to kill it in the middle
    kills = 0
    for killed_after in (15, 35):
        worker = start_worker(env)
        wait_for(lambda n=killed_after: smtp_server.count >= n)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        kills += 1
        time.sleep(LEASE + 0.5)  # its heartbeat goes quiet; the next worker takes the task back
    worker = start_worker(env, "--drain")
    assert worker.wait(timeout=25) == 0, worker.stderr.read().decode()
    report = scenario(env, "report")
    assert report["states"] == {"sent": 60}
    extra, distinct = duplicates(smtp_server)
    assert distinct == 60  # none lost
    assert extra <= kills  # at most the one message in flight at each kill
    assert report["workers"] == kills + 1  # the task was taken back after each kill
    assert report["sent_events"] == 60  # each invitation's delivery recorded once


@pytest.mark.django_db(transaction=True)
def test_a_worker_told_to_stop_mid_chunk_stops_at_once_and_hands_the_rest_back(smtp_server, database_url):
    env = environment(database_url, smtp_server)
    scenario(env, "setup", "100")  # one chunk
    smtp_server.handler.delay = 0.05  # about 5 s for the chunk
    worker = start_worker(env)
    wait_for(lambda: smtp_server.count >= 10)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=2) == 0  # within a message or two, not at the end of the chunk
    stopped_at = smtp_server.count
    assert stopped_at < 30
    assert scenario(env, "report")["states"]["queued"] == 100 - stopped_at
    smtp_server.handler.delay = 0
    assert start_worker(env, "--drain").wait(timeout=25) == 0
    report = scenario(env, "report")
    assert report["states"] == {"sent": 100}
    assert duplicates(smtp_server) == (0, 100)


@pytest.mark.django_db(transaction=True)
def test_on_sqlite_a_delivery_waits_for_the_write_lock_in_short_steps(smtp_server, database_url):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write lock")
    report = scenario(environment(database_url, smtp_server), "locked-write", "0.3")
    assert report["plain"] == "database is locked"  # SQLite's own waiting is off during a chunk
    assert report["name"] == "retried" and report["waited"] >= 0.3  # writing() waited instead
    assert report["busy_timeout_after"] == 20000  # and SQLite's waiting is back after it


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_an_invitation_twice(smtp_server, database_url):
    env = environment(database_url, smtp_server)
    scenario(env, "setup", "400", "2")  # every chunk queued twice, so both workers meet
    smtp_server.handler.delay = 0.002
    workers = [start_worker(env, "--drain") for _ in range(2)]
    for worker in workers:
        assert worker.wait(timeout=25) == 0, worker.stderr.read().decode()
    # Copies that met a claim held by the other worker wait for the lease; one more pass ends them.
    time.sleep(LEASE + 0.5)
    assert start_worker(env, "--drain").wait(timeout=25) == 0
    report = scenario(env, "report")
    assert report["states"] == {"sent": 400}
    assert report["workers"] >= 2
    assert duplicates(smtp_server) == (0, 400)
