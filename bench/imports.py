"""Benchmark of `enlace import`: customer users from .xlsx and suppliers from CSV (Notify=0).

    .venv/bin/python bench/imports.py [--rows 100000]

Generates files of valid rows, runs `enlace import … --json` on each as a subprocess against a
fresh SQLite database (and a fresh PostgreSQL one when ENLACE_BENCH_POSTGRES_URL is set, e.g.
postgres://postgres@127.0.0.1:5432/enlace_bench_imports, which is dropped and recreated), and
prints wall time, rows per second and peak RSS of each import process.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from enlace.partners.samples import ec_ruc  # noqa: E402

CUSTOMERS = 1000


def write_customers(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["Code", "Tax ID", "Name", "Email"])
        for n in range(CUSTOMERS):
            writer.writerow([f"C{n:05d}", ec_ruc(n), f"Cliente {n}", f"compras{n}@cliente.example"])


def write_customer_users(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["Customer code*", "First names*", "Last names*", "Email*", "Phone"])
    for n in range(rows):
        phone = f"099{n % 10_000_000:07d}" if n % 2 else ""
        sheet.append(
            [f"C{n % CUSTOMERS:05d}", f"Persona {n}", "Pérez Andrade", f"persona{n}@cliente.example", phone]
        )
    workbook.save(path)


def write_suppliers(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(["Tax ID", "Name", "Description", "City", "Phone", "Email", "Groups", "Notify"])
        for n in range(rows):
            writer.writerow(
                [
                    ec_ruc(1_000_000 + n),
                    f"Proveedor {n}",
                    "Materiales",
                    "Quito",
                    "02 245 6789",
                    f"ventas{n}@proveedor.example",
                    "Nacionales",
                    "0",
                ]
            )


def run(env, *args, check=True):
    """Run `enlace …`; returns (seconds, peak RSS in MB, stdout)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "enlace", *args], env=env, stdout=out, stderr=err, cwd=ROOT
        )
        # wait4 gives this child's own rusage (ru_maxrss in KB on Linux), not the maximum
        # over every child this script has run.
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if check and process.returncode != 0:
        sys.exit(
            f"enlace {' '.join(args)} failed ({process.returncode}):\n{stdout.decode()}\n{stderr.decode()}"
        )
    return seconds, usage.ru_maxrss / 1024, stdout.decode()


def fresh_postgres(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def bench(database: str, url: str, files: dict, rows: int, workdir: Path) -> list:
    env = {
        **os.environ,
        "ENLACE_SECRET_KEY": "bench-" + "k" * 50,
        "ENLACE_DATABASE_URL": url,
        "ENLACE_VAR_DIR": str(workdir / f"var-{database}"),
        "ENLACE_LOG_LEVEL": "WARNING",
        "ENLACE_IMPORT_MAX_ROWS": str(max(rows, 200_000)),
        "ENLACE_IMPORT_MAX_UPLOAD_MB": "200",
    }
    run(env, "migrate", "--verbosity", "0")
    run(env, "org", "create", "bench", "--name", "Bench S.A.", "--country", "EC")
    results = []
    for label, kind, path, count in (
        ("customers CSV (master)", "customers", files["customers"], CUSTOMERS),
        ("customer users XLSX", "customer-users", files["customer_users"], rows),
        ("suppliers CSV, Notify=0", "suppliers", files["suppliers"], rows),
    ):
        seconds, rss, out = run(env, "import", kind, str(path), "--org", "bench", "--json")
        report = json.loads(out)
        assert report["status"] == "accepted" and report["rows"] == count, report
        results.append((database, label, count, seconds, count / seconds, rss, report["invitations"]))
    return results


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000, help="Rows per generated file (default 10000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="enlace-bench-") as tmp:
        workdir = Path(tmp)
        files = {
            "customers": workdir / "customers.csv",
            "customer_users": workdir / "customer-users.xlsx",
            "suppliers": workdir / "suppliers.csv",
        }
        started = time.perf_counter()
        write_customers(files["customers"])
        write_customer_users(files["customer_users"], args.rows)
        write_suppliers(files["suppliers"], args.rows)
        print(
            f"Generated {args.rows:,} rows per file in {time.perf_counter() - started:.1f} s "
            f"(xlsx {files['customer_users'].stat().st_size / 1e6:.1f} MB, "
            f"csv {files['suppliers'].stat().st_size / 1e6:.1f} MB)"
        )
        results = bench("SQLite", f"sqlite:///{workdir / 'bench.sqlite3'}", files, args.rows, workdir)
        postgres = os.environ.get("ENLACE_BENCH_POSTGRES_URL")
        if postgres:
            fresh_postgres(postgres)
            results += bench("PostgreSQL", postgres, files, args.rows, workdir)
    header = ("database", "import", "rows", "wall s", "rows/s", "peak RSS MB", "invitations")
    print("\n{:<11} {:<25} {:>9} {:>8} {:>9} {:>12} {:>12}".format(*header))
    for database, label, count, seconds, rate, rss, invitations in results:
        print(
            f"{database:<11} {label:<25} {count:>9,} {seconds:>8.1f} {rate:>9,.0f} {rss:>12.0f} "
            f"{invitations:>12,}"
        )


if __name__ == "__main__":
    main()
