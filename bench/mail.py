"""Mail delivery benchmark: `.venv/bin/python bench/mail.py [--invitations 10000]`.

Queues N invitations in a fresh SQLite file database, runs `enlace worker --drain` against a
local SMTP sink that discards messages (aiosmtpd on 127.0.0.1, offering PIPELINING), and prints
messages per second for one worker and for two, and for one worker again with the sink not
offering PIPELINING; and, in the same run, the rate of a bare loop sending the same pre-rendered
messages over one reused smtplib connection.

The bare loop runs in a process of its own, as the workers do, so that neither shares the sink's
process (and its GIL). Each rate is the sink's: messages over the time from the first accepted
message to the last. The workers' rate with their start-up (Python, Django, the first query)
counted is printed beside it, and so is the CPU time each message cost the senders and the sink:
on a machine with few cores, busy with other work, the rates follow those costs.
"""

import argparse
import os
import statistics
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
from enlace.accounts.samples import queue_sample_invitations
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
from enlace.invitations.emails import invitation_email
from enlace.mail.rendering import message
from enlace.invitations.models import Invitation
out = []
for inv in Invitation.objects.select_related("organization", "user")[:{count}]:
    m = message(invitation_email(inv))
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


def bare_loop(messages: list, sink) -> dict:
    import pickle

    with tempfile.NamedTemporaryFile(suffix=".pickle") as file:
        pickle.dump(messages, file)
        file.flush()
        return measure(sink, [[sys.executable, "-c", BARE_LOOP, str(sink.port), file.name]], len(messages))


def run_workers(database_url: str, workers: int, count: int, sink) -> dict:
    command = [str(ROOT / ".venv/bin/enlace"), "worker", "--drain"]
    return measure(sink, [command] * workers, count, env={"ENLACE_DATABASE_URL": database_url})


def measure(sink, commands, count: int, env=None) -> dict:
    """Run the senders until they exit. Their rate as the sink saw it (first accepted message to
    last), with their start-up (wall clock), and the CPU time per message of the senders and of
    the sink (this process, whose main thread only waits meanwhile)."""
    sink.handler.first_at = None
    before = sink.count
    started, sink_cpu = time.perf_counter(), time.process_time()
    processes = [subprocess.Popen(command, env=ENV | (env or {})) for command in commands]
    sender_cpu = 0.0
    for process in processes:
        _, status, usage = os.wait4(process.pid, 0)
        assert status == 0, f"{commands[0]} failed"
        sender_cpu += usage.ru_utime + usage.ru_stime
    elapsed = time.perf_counter() - started
    sink_cpu = time.process_time() - sink_cpu
    sent = sink.count - before
    assert sent == count, f"sent {sent} of {count}"
    return {
        "rate": (sent - 1) / (sink.handler.last_at - sink.handler.first_at),
        "with_start": sent / elapsed,
        "sender_us": sender_cpu / sent * 1e6,
        "sink_us": sink_cpu / sent * 1e6,
    }


def cpu(result) -> str:
    # The senders' CPU includes their start-up (about 0.9 s for a worker).
    return f"CPU per message: senders {result['sender_us']:.0f} µs, sink {result['sink_us']:.0f} µs"


def measure_round(url, n, messages, sink) -> dict:
    """The bare loop, one worker, two workers, and one worker against a server without
    PIPELINING, one after the other (a machine shared with other work changes speed within
    minutes: the ratios are taken within a round)."""
    sink.handler.pipelining = True
    bare = bare_loop(messages, sink)
    print(f"  bare smtplib loop (pre-rendered):  {bare['rate']:8.0f} messages/s  ({cpu(bare)})")
    one = run_workers(url, 1, n, sink)  # the n invitations queued before the round
    print(
        f"  enlace worker, 1 process:          {one['rate']:8.0f} messages/s  "
        f"({one['rate'] / bare['rate']:.0%} of bare; {one['with_start']:.0f}/s with start-up;"
        f" {cpu(one)})"
    )
    prepare(url, n)
    two = run_workers(url, 2, n, sink)
    print(
        f"  enlace worker, 2 processes:        {two['rate']:8.0f} messages/s  "
        f"({two['rate'] / one['rate']:.2f}x one worker; {two['with_start']:.0f}/s with start-up;"
        f" {cpu(two)})"
    )
    # The sink offers PIPELINING, as Postfix and the large providers do; smtplib (the bare loop)
    # never uses it, the worker does. Without it:
    sink.handler.pipelining = False
    prepare(url, n)
    plain = run_workers(url, 1, n, sink)
    print(
        f"  enlace worker, 1 process, server without PIPELINING: {plain['rate']:.0f} messages/s  "
        f"({plain['rate'] / bare['rate']:.0%} of bare; {cpu(plain)})"
    )
    prepare(url, n)  # for the next round
    return {
        "one": one["rate"] / bare["rate"],
        "two": two["rate"] / one["rate"],
        "plain": plain["rate"] / bare["rate"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invitations", type=int, default=10000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--rounds", type=int, default=1, help="repeat the measurements; medians at the end")
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
        ratios = {"one": [], "two": [], "plain": []}
        for round_ in range(1, args.rounds + 1):
            if args.rounds > 1:
                print(f" round {round_} of {args.rounds}")
            measured = measure_round(url, n, messages, sink)
            for key, ratio in measured.items():
                ratios[key].append(ratio)
        if args.rounds > 1:
            print(
                f" median of {args.rounds} rounds: one worker {statistics.median(ratios['one']):.0%} of bare;"
                f" two workers {statistics.median(ratios['two']):.2f}x one;"
                f" without PIPELINING {statistics.median(ratios['plain']):.0%} of bare"
            )
    sink.stop()


ENV = dict(os.environ)

if __name__ == "__main__":
    main()
