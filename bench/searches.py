"""Benchmark of the searches' first pages, with and without their limit.

    .venv/bin/python bench/searches.py [--partners 100000] [--runs 5]
                                       [--database-url postgres://postgres@127.0.0.1:5432/enlace_bench]

Fills a fresh PostgreSQL database as bench/web.py does (bench/web_data.py: nine tenths of the
suppliers and their invitations in the organization searched), then, in this process, builds
the first page of the supplier directory and of the activation requests as their views do, for
a part of one name, a word in a sixth of the names, the letter "a", a tax ID, a last name and two
words: once as the API and the exports search (every match, limit=None), once as the pages do
(limit=SEARCH_LIMIT, and the query that tells whether there are more). Prints the median time
of --runs runs of each (the two ways in turns), after one turn to warm the caches.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.web import OUT, enlace, fresh_postgres, server_environment  # noqa: E402


def load(args) -> dict:
    env = server_environment(args.database_url, port=8000)
    fresh_postgres(args.database_url)
    enlace(env, "migrate", "--noinput", "--verbosity", "0")
    data = OUT / f"searches-{args.partners}.json"
    command = [sys.executable, ROOT / "bench" / "web_data.py", "--partners", str(args.partners)]
    command += ["--out", data]
    subprocess.run(command, env=env, cwd=ROOT, check=True)
    os.environ.update(env)
    return json.loads(data.read_text())


def timed(runs: int, *functions) -> list[float]:
    """The median milliseconds of each function, run in turns (a busy machine slows them alike)."""
    times = [[] for _ in functions]
    for n in range(runs + 1):
        for function, spent in zip(functions, times, strict=True):
            start = time.perf_counter()
            function()
            if n:  # the first turn warms the caches
                spent.append(time.perf_counter() - start)
    return [statistics.median(spent) * 1000 for spent in times]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--partners", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "ENLACE_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/enlace_bench"
        ),
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    facts = load(args)

    import django

    django.setup()
    from django.core.paginator import Paginator

    from enlace.invitations.selectors import search_invitations
    from enlace.invitations.supplier_directory import supplier_directory
    from enlace.organizations.models import Organization
    from enlace.partners.models import Partner
    from enlace.partners.selectors import SEARCH_LIMIT, keyset_page, more_than_limit

    organization = Organization.objects.get(slug="acme")
    anchors = Partner.objects.filter(organization=organization, kind=Partner.Kind.SUPPLIER)

    def directory(query, limit):
        def run():
            suppliers = supplier_directory(organization=organization, query=query, limit=limit)
            rows = keyset_page(suppliers.prefetch_related("groups"), anchors=anchors, size=50).rows
            if limit is not None:
                more_than_limit(suppliers, limit=limit)
            return rows

        return run

    def requests(query, limit):
        def run():
            invitations = search_invitations(organization=organization, query=query, limit=limit)
            page = Paginator(invitations, 50).get_page(1)
            return list(page.object_list), page.paginator.count

        return run

    cases = [
        ("directory", "a part of one name", facts["name_parts"][0], directory),
        ("directory", "a word in 1/6 of the names", facts["common_word"], directory),
        ("directory", "the letter a", "a", directory),
        ("directory", "one tax ID", facts["tax_ids"][0], directory),
        ("requests", "a part of one email", "ventas12345@", requests),
        ("requests", "a last name (1/9 of them)", "paredes", requests),
        ("requests", "two words", "maría paredes", requests),
        ("requests", "the letter a", "a", requests),
    ]
    print(f"\n{facts['suppliers']:,} suppliers and invitations searched; ms, median of {args.runs} runs")
    print(f"{'page':10} {'typed':28} {'every match':>12} {'limit ' + str(SEARCH_LIMIT):>12}")
    for page, label, query, make in cases:
        before, after = timed(args.runs, make(query, None), make(query, SEARCH_LIMIT))
        print(f"{page:10} {label:28} {before:12.1f} {after:12.1f}", flush=True)


if __name__ == "__main__":
    main()
