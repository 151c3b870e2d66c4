"""Mail delivery benchmark: `.venv/bin/python bench/mail.py [--invitations 10000]`.

Queues N invitations in a fresh SQLite file database, runs `enlace worker --drain` against a
local SMTP sink that discards messages (aiosmtpd on 127.0.0.1), and prints messages per second
for one worker and for two; and, in the same run, the rate of a bare loop sending the same
pre-rendered messages over one reused smtplib connection.

The bare loop runs in a process of its own, as the workers do, so that neither shares the sink's
process (and its GIL). Each rate is the sink's: messages over the time from the first accepted
message to the last. The workers' rate with their start-up (Python, Django, the first query)
counted is printed beside it.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def prepare(database_url: str, count: int) -> None:
    code = f"""
import django; django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from enlace.organizations.models import Organization
from enlace.partners.models import Partner
from enlace.partners.samples import ec_ruc
from enlace.partners.services import create_partner
from enlace.mail.samples import queue_sample_invitations
org, _ = Organization.objects.get_or_create(slug="acme", defaults=dict(name="Acme S.A.", country="EC"))
partner = Partner.objects.filter(organization=org).first() or create_partner(
    organization=org, kind=Partner.Kind.CUSTOMER, tax_id=ec_ruc(1), code="C001", name="Ferretería")
start = org.invitations.count()
queue_sample_invitations(organization=org, partner=partner, count={count}, start=start)
"""
    subprocess.run([sys.executable, "-c", code], env=ENV | {"ENLACE_DATABASE_URL": database_url}, check=True)


def pre_rendered(database_url: str, count: int) -> list:
    """The worker's own messages, rendered once, as (from, to, bytes)."""
    code = f"""
import django, pickle, sys; django.setup()
from django.core.mail.message import sanitize_address
from enlace.invitations.emails import build_invitation_email
from enlace.invitations.models import Invitation
out = []
for inv in Invitation.objects.select_related("organization", "user")[:{count}]:
    m = build_invitation_email(inv)
    out.append((sanitize_address(m.from_email, "utf-8"), m.to, m.message().as_bytes(linesep="\\r\\n")))
sys.stdout.buffer.write(pickle.dumps(out))
"""
    import pickle

    result = subprocess.run(
        [sys.executable, "-c", code],
        env=ENV | {"ENLACE_DATABASE_URL": database_url},
        check=True,
        capture_output=True,
    )
    return pickle.loads(result.stdout)  # noqa: S301 - our own child's output


BARE_LOOP = """
import pickle, smtplib, sys
messages = pickle.load(open(sys.argv[2], "rb"))
with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as connection:
    for sender, recipients, data in messages:
        connection.sendmail(sender, recipients, data)
"""


def bare_loop(port: int, messages: list, sink) -> float:
    import pickle

    with tempfile.NamedTemporaryFile(suffix=".pickle") as file:
        pickle.dump(messages, file)
        file.flush()
        sink.handler.first_at = None
        before = sink.count
        subprocess.run([sys.executable, "-c", BARE_LOOP, str(sink.port), file.name], check=True)
    return rate(sink, before)


def rate(sink, before: int) -> float:
    """Messages per second as the sink saw them, first accepted to last."""
    sent = sink.count - before
    return (sent - 1) / (sink.handler.last_at - sink.handler.first_at)


def run_workers(database_url: str, workers: int, count: int, sink) -> tuple[float, float]:
    sink.handler.first_at = None
    before = sink.count
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            [str(ROOT / ".venv/bin/enlace"), "worker", "--drain"],
            env=ENV | {"ENLACE_DATABASE_URL": database_url},
        )
        for _ in range(workers)
    ]
    for process in processes:
        process.wait()
    elapsed = time.perf_counter() - started
    sent = sink.count - before
    assert sent == count, f"sent {sent} of {count}"
    return rate(sink, before), sent / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invitations", type=int, default=10000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()

    from tests.smtp_server import SMTPServer

    sink = SMTPServer(keep=False).start()
    ENV.update(
        DJANGO_SETTINGS_MODULE="enlace.settings",
        ENLACE_SECRET_KEY="bench-" + "k" * 50,
        ENLACE_EMAIL_URL=f"smtp://127.0.0.1:{sink.port}",
        ENLACE_CACHE_URL="locmem://",
        ENLACE_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        n = args.invitations
        print(f"Mail delivery, {n} invitations, database {url.split(':')[0]}, SMTP sink on 127.0.0.1")
        prepare(url, n)
        messages = pre_rendered(url, n)
        bare = bare_loop(sink.port, messages, sink)
        print(f"  bare smtplib loop (pre-rendered):  {bare:8.0f} messages/s")
        one, one_wall = run_workers(url, 1, n, sink)
        print(
            f"  enlace worker, 1 process:          {one:8.0f} messages/s  ({one / bare:.0%} of bare;"
            f" {one_wall:.0f}/s with start-up)"
        )
        prepare(url, n)
        two, two_wall = run_workers(url, 2, n, sink)
        print(
            f"  enlace worker, 2 processes:        {two:8.0f} messages/s  ({two / one:.2f}x one worker;"
            f" {two_wall:.0f}/s with start-up)"
        )
    sink.stop()


ENV = dict(os.environ)

if __name__ == "__main__":
    main()
