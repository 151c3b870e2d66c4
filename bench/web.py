"""Benchmark of the pages under concurrent load, served as in production.

    .venv/bin/python bench/web.py [--partners 10000 1000000] [--seconds 60] [--admins 32]
                                  [--registrations 200] [--think 1]
                                  [--database-url postgres://postgres@127.0.0.1:5432/enlace_bench]

For each size, smallest first: drops and recreates the PostgreSQL database, migrates it, fills
it (bench/web_data.py: N suppliers and N activation-code invitations in two organizations,
nine tenths in the one the admins browse, put in by INSERT … SELECT on the server), and starts
gunicorn with Enlace's own configuration (enlace/serving/gunicorn.py: two processes per core)
with DEBUG off, a secret key of its own and the static files collected, on 127.0.0.1 over
plain HTTP (ENLACE_SSL_REDIRECT=0, as behind a proxy that terminates TLS). Then locust, headless
(bench/web_locustfile.py), in two phases bounded in time:

1. --admins simulated admins sign in and browse for --seconds, each pausing about --think
   seconds between pages (0: none);
2. --registrations invited people open their registration link, get the form and submit it,
   all at once (each submission hashes a password with Argon2), until the last has registered
   or 5 minutes have passed.

Prints the median, 95th and 99th percentile of each page and the requests per second, for each
size, then how each page's 95th percentile grew from the smallest size to the largest; and the
registrations per second beside the bound that password hashing alone sets on this machine
(cores / the time of one hash, measured in the loading process). The rate limits on guessing
are raised for the server: every simulated person comes from 127.0.0.1.

Every client and the server share the machine: locust takes a core's share of its own.
Results and the server's access log go to bench/out/web/.
"""

import argparse
import json
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "web"
BIN = Path(sys.executable).parent
REGISTRATION_SECONDS = 300


def fresh_postgres(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_environment(database_url: str, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENLACE_")}
    env.update(
        ENLACE_DATABASE_URL=database_url,
        ENLACE_SECRET_KEY=secrets.token_urlsafe(50),
        ENLACE_PORT=str(port),
        ENLACE_BASE_URL=f"http://127.0.0.1:{port}",
        ENLACE_SSL_REDIRECT="0",
        ENLACE_VAR_DIR=str(OUT / "var"),
        ENLACE_RATE_LIMIT_ATTEMPTS="1000000",
        DJANGO_SETTINGS_MODULE="enlace.settings",
    )
    return env


def enlace(env, *args) -> None:
    subprocess.run([BIN / "enlace", *args], env=env, cwd=ROOT, check=True)


def wait_until_serving(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn ended before serving; see its log in bench/out/web/")
        try:
            with urllib.request.urlopen(url + "/login/", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    sys.exit("gunicorn did not answer within 60 s")


def locust(
    env, host: str, data: Path, *, user_class: str, users: int, seconds: int, think: float, csv_prefix
):
    """Run locust headless; returns its rows of statistics by name, and the times at which the
    locustfile noted its phases (sign-in, browsing, registering, registered, stopped)."""
    marks = Path(f"{csv_prefix}_marks.txt")
    marks.unlink(missing_ok=True)
    summary = Path(f"{csv_prefix}_summary.json")
    summary.unlink(missing_ok=True)
    env = {
        **env,
        "BENCH_WEB_DATA": str(data),
        "BENCH_WEB_THINK": str(think),
        "BENCH_WEB_MARKS": str(marks),
        "BENCH_WEB_SUMMARY": str(summary),
    }
    command = [
        BIN / "locust",
        "-f",
        ROOT / "bench" / "web_locustfile.py",
        "--headless",
        "--host",
        host,
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "10",
        "--csv",
        csv_prefix,
        "--only-summary",
        "--loglevel",
        "WARNING",
        user_class,
    ]
    subprocess.run(command, env=env, cwd=ROOT, check=False, stdout=subprocess.DEVNULL)
    rows = json.loads(summary.read_text())
    times = {}
    for line in marks.read_text().splitlines() if marks.exists() else []:
        name, _, at = line.partition(" ")
        times.setdefault(name, float(at))
    return rows, times


def measure(size: int, args) -> dict:
    port = free_port()
    env = server_environment(args.database_url, port)
    host = f"http://127.0.0.1:{port}"
    print(f"\n== {size:,} suppliers and invitations ==", flush=True)
    fresh_postgres(args.database_url)
    enlace(env, "migrate", "--noinput", "--verbosity", "0")
    enlace(env, "createcachetable")
    enlace(env, "collectstatic", "--noinput", "--verbosity", "0")
    data = OUT / f"data-{size}.json"
    subprocess.run(
        [
            sys.executable,
            ROOT / "bench" / "web_data.py",
            "--partners",
            str(size),
            "--registrations",
            str(args.registrations),
            "--out",
            data,
        ],
        env=env,
        cwd=ROOT,
        check=True,
    )
    facts = json.loads(data.read_text())
    print(f"loaded in {facts['load_seconds']} s, analyzed in {facts['analyze_seconds']} s", flush=True)

    log = (OUT / f"gunicorn-{size}.log").open("w")
    server = subprocess.Popen(
        [BIN / "gunicorn", "--config", "python:enlace.serving.gunicorn", "enlace.wsgi"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_serving(host, server)
        # The admins' sign-ins (a password hash each, all at once) come before the measured time.
        sign_in_seconds = math.ceil(2 * args.admins * facts["password_hash_seconds"] / cores()) + 10
        admins, admin_times = locust(
            env,
            host,
            data,
            user_class="Admin",
            users=args.admins,
            seconds=args.seconds + sign_in_seconds,
            think=args.think,
            csv_prefix=OUT / f"admins-{size}",
        )
        people, people_times = locust(
            env,
            host,
            data,
            user_class="Invitee",
            users=args.registrations,
            seconds=REGISTRATION_SECONDS,
            think=0,
            csv_prefix=OUT / f"registrations-{size}",
        )
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
    result = {"size": size, "admins": admins, "registrations": people, "facts": facts}
    result["browsing_seconds"] = admin_times.get("stopped", 0) - admin_times.get("browsing", 0)
    result["registration_seconds"] = people_times.get("registered", 0) - people_times.get("registering", 0)
    print_size(result, args)
    (OUT / f"result-{size}.json").write_text(json.dumps(result))
    return result


def by_page(rows: dict):
    """The rows in the order of their names, all requests last."""
    return sorted(rows.items(), key=lambda item: (item[0] == "Aggregated", item[0]))


def cores() -> int:
    return len(os.sched_getaffinity(0))


def ms(row, column) -> str:
    value = row.get(column, "")
    return f"{float(value):,.0f}" if value not in ("", "N/A") else "-"


def print_size(result, args) -> None:
    print(f"\n{args.admins} admins, about {args.think} s between pages (ms):")
    print(f"{'page':44} {'requests':>8} {'failed':>6} {'p50':>6} {'p95':>6} {'p99':>6}")
    for name, row in by_page(result["admins"]):
        label = "all requests" if name == "Aggregated" else name
        print(
            f"{label:44} {row['Request Count']:>8} {row['Failure Count']:>6} "
            f"{ms(row, '50%'):>6} {ms(row, '95%'):>6} {ms(row, '99%'):>6}"
        )
    pages = sum(
        int(row["Request Count"])
        for name, row in result["admins"].items()
        if name != "Aggregated" and not name.startswith("sign in")
    )
    seconds = result["browsing_seconds"]
    if seconds > 0:
        print(f"pages per second once all had signed in: {pages / seconds:.1f} ({pages} in {seconds:.0f} s)")

    print(f"\n{args.registrations} people registering at once (ms):")
    submit = None
    for name, row in by_page(result["registrations"]):
        if name == "Aggregated":
            continue
        if name.startswith("registration: submit"):
            submit = row
        print(
            f"{name:44} {row['Request Count']:>8} {row['Failure Count']:>6} "
            f"{ms(row, '50%'):>6} {ms(row, '95%'):>6} {ms(row, '99%'):>6}"
        )
    hash_seconds = result["facts"]["password_hash_seconds"]
    hashing_rate = result["facts"]["password_hashes_per_second"]
    seconds = result["registration_seconds"]
    if submit and seconds > 0:
        done = int(submit["Request Count"]) - int(submit["Failure Count"])
        print(
            f"registrations: {done} in {seconds:.1f} s, {done / seconds:.1f}/s "
            f"({done / seconds / hashing_rate:.0%} of the bound); hashing alone, every core at once, "
            f"does {hashing_rate:.1f}/s on {cores()} cores (one hash alone: {hash_seconds * 1000:.0f} ms)"
        )
    elif submit:
        print("registrations: not all done within the time allowed")


def print_growth(results) -> None:
    first, last = results[0], results[-1]
    print(f"\nGrowth of the 95th percentile from {first['size']:,} to {last['size']:,} suppliers:")
    for name, row in by_page(last["admins"]):
        before = first["admins"].get(name)
        if before is None or row["95%"] in ("", "N/A") or before["95%"] in ("", "N/A"):
            continue
        label = "all requests" if name == "Aggregated" else name
        growth = float(row["95%"]) / max(float(before["95%"]), 1)
        print(f"{label:44} {ms(before, '95%'):>6} -> {ms(row, '95%'):>6} ms  ({growth:.1f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--partners", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--seconds", type=int, default=60, help="of admins browsing, per size")
    parser.add_argument("--admins", type=int, default=32)
    parser.add_argument("--registrations", type=int, default=200)
    parser.add_argument("--think", type=float, default=1.0, help="seconds between an admin's pages")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "ENLACE_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/enlace_bench"
        ),
        help="dropped and recreated for each size",
    )
    args = parser.parse_args()
    # Stopped with SIGTERM as with Ctrl+C: the server is stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    OUT.mkdir(parents=True, exist_ok=True)
    results = [measure(size, args) for size in sorted(args.partners)]
    if len(results) > 1:
        print_growth(results)


if __name__ == "__main__":
    main()
