"""Each admin page's own cost, and where it goes: `.venv/bin/python bench/pages.py [--partners N]`.

    .venv/bin/python bench/pages.py [--partners 1000000] [--runs 7] [--reuse]
                                    [--database-url postgres://postgres@127.0.0.1:5432/enlace_bench]

Fills PostgreSQL as bench/web.py does (the same data, bench/web_data.py; --reuse keeps a database
that bench/web.py or an earlier run filled with the same --partners), then asks for each page of
the web benchmark (bench/web_pages.py) as its admin, one request at a time, in this process:
no server, no other client, so what is printed is the page's own cost, not queueing. For each
page: the median time of --runs requests, the number of queries and their median total time,
and the slowest queries of the median request with their share. A page that costs T seconds of
a core serves at most (cores / T) requests a second, whatever the server in front of it.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from web import OUT, ROOT, enlace, fresh_postgres, server_environment  # noqa: E402
from web_pages import ADMIN_PAGES  # noqa: E402

sys.path.insert(0, str(ROOT))
SLOWEST = 3


def fill(size: int, args, env) -> Path:
    import subprocess

    fresh_postgres(args.database_url)
    enlace(env, "migrate", "--noinput", "--verbosity", "0")
    enlace(env, "createcachetable")
    data = OUT / f"data-{size}.json"
    command = [sys.executable, ROOT / "bench" / "web_data.py", "--partners", str(size), "--out", data]
    subprocess.run(command, env=env, cwd=ROOT, check=True)
    return data


class QueryTimer:
    """Times each query of a request (a Django execute wrapper)."""

    def __init__(self):
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((time.perf_counter() - began, sql))


def measure(client, path: str):
    from django.db import connection

    timer = QueryTimer()
    with connection.execute_wrapper(timer):
        began = time.perf_counter()
        response = client.get(path)
        seconds = time.perf_counter() - began
    if response.status_code != 200 or b"<main" not in response.content:
        sys.exit(f"{path} answered {response.status_code} without its page: not signed in as the admin?")
    return seconds, timer.queries


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--partners", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="the database is already filled for --partners")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "ENLACE_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/enlace_bench"
        ),
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    env = server_environment(args.database_url, port=8000)
    data_file = OUT / f"data-{args.partners}.json"
    if not (args.reuse and data_file.exists()):
        data_file = fill(args.partners, args, env)
    data = json.loads(data_file.read_text())
    enlace(env, "migrate", "--noinput", "--verbosity", "0")  # a reused database may predate a migration
    enlace(env, "collectstatic", "--noinput", "--verbosity", "0")

    os.environ.update(env)
    os.environ["ENLACE_ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from django.test import Client

    from enlace.accounts.models import User

    # One connection for the run, as a server's process keeps between requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    client = Client()
    client.force_login(User.objects.get(email=data["admin"]["username"], organization__isnull=True))

    print(f"{data['suppliers']:,} suppliers in the organization browsed; medians of {args.runs} requests, ms")
    print(f"{'page':44} {'total':>7} {'queries':>7} {'in SQL':>7}")
    for name, _weight, path in ADMIN_PAGES:
        measure(client, path(data))  # warms the caches a running server has warm
        runs = sorted((measure(client, path(data)) for _ in range(args.runs)), key=lambda run: run[0])
        seconds, queries = runs[len(runs) // 2]
        in_sql = statistics.median(sum(q[0] for q in run[1]) for run in runs)
        print(f"{name:44} {seconds * 1000:7.0f} {len(queries):7} {in_sql * 1000:7.0f}")
        for query_seconds, sql in sorted(queries, reverse=True)[:SLOWEST]:
            print(f"    {query_seconds * 1000:7.1f}  {' '.join(sql.split())[:150]}")


if __name__ == "__main__":
    main()
