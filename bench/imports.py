"""Benchmark of `enlace import`, with its floor and django-import-export side by side.

    .venv/bin/python bench/imports.py [--rows 10000 100000 1000000] [--compare-max 100000] [--rounds 3]

For each size, generates a customer-users .xlsx and a suppliers CSV (`;`, Notify=0) of valid
rows, and runs `enlace import … --json` on each as a subprocess against a fresh SQLite database
(and a fresh PostgreSQL one when ENLACE_BENCH_POSTGRES_URL is set, e.g.
postgres://postgres@127.0.0.1:5432/enlace_bench_imports, dropped and recreated). Beside each:

- the floor: a bare script (bench/floor_job.py) that reads the same rows with csv/calamine and
  runs the same validator calls, nothing else;
- for files of at most --compare-max rows, the same supplier import done by django-import-export
  (bench/import_export_job.py) against its own fresh database; the library is installed by this
  script into bench/out/import-export from bench/requirements-import-export.lock, never into
  the project's environment.

Prints wall time, rows per second and peak RSS of each process (the RSS of `enlace import` on
an .xlsx includes its spreadsheet-parsing child and its check processes, whichever is
largest). With --rounds N the floor and the imports are measured N times, back to back, and
the medians of the times and of each round's ratio are printed too: a shared machine changes
speed from one minute to the next, so a ratio is best measured within a round.
"""

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import namedtuple
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from enlace.partners.samples import ec_ruc  # noqa: E402

CUSTOMERS = 1000
CUSTOMER_USERS = "customer users .xlsx"
SUPPLIERS = "suppliers CSV, Notify=0"
Result = namedtuple("Result", "database tool file rows seconds rss round")


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
    return run_python(env, "-m", "enlace", *args, check=check)


def run_python(env, *args, check=True):
    """Run this Python with `args`; returns (seconds, peak RSS in MB, stdout)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen([sys.executable, *args], env=env, stdout=out, stderr=err, cwd=ROOT)
        # wait4 gives this child's own rusage (ru_maxrss in KB on Linux; the larger of the child
        # and its own children), not the maximum over every child this script has run.
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if check and process.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({process.returncode}):\n{stdout.decode()}\n{stderr.decode()}")
    return seconds, usage.ru_maxrss / 1024, stdout.decode()


def fresh_postgres(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def environment(url: str, rows: int, var: Path) -> dict:
    return {
        **os.environ,
        "ENLACE_SECRET_KEY": "bench-" + "k" * 50,
        "ENLACE_DATABASE_URL": url,
        "ENLACE_VAR_DIR": str(var),
        "ENLACE_LOG_LEVEL": "WARNING",
        "ENLACE_IMPORT_MAX_ROWS": str(max(rows, 200_000)),
        "ENLACE_IMPORT_MAX_UPLOAD_MB": "500",
        # calamine holds the whole sheet: a million-row .xlsx needs more than the 1 GB default.
        "ENLACE_IMPORT_PARSE_MEMORY_MB": str(max(1024, rows // 250)),
    }


def fresh_database(database: str, base_url: str, name: str, workdir: Path) -> str:
    if database == "SQLite":
        path = workdir / f"{name}.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    url = f"{base_url}_{name}"
    fresh_postgres(url)
    return url


def bench(
    database: str, base_url: str, files: dict, rows: int, workdir: Path, compare: bool, round_: int
) -> list:
    url = fresh_database(database, base_url, f"enlace_{rows}", workdir)
    env = environment(url, rows, workdir / f"var-{database}")
    run(env, "migrate", "--verbosity", "0")
    run(env, "org", "create", "bench", "--name", "Bench S.A.", "--country", "EC")
    seconds, _rss, out = run(env, "import", "customers", str(files["customers"]), "--org", "bench", "--json")
    assert json.loads(out)["rows"] == CUSTOMERS
    results = []
    for label, kind, path in (
        (CUSTOMER_USERS, "customer-users", files["customer_users"]),
        (SUPPLIERS, "suppliers", files["suppliers"]),
    ):
        seconds, rss, out = run(env, "import", kind, str(path), "--org", "bench", "--json")
        outcome = json.loads(out)
        assert outcome["status"] == "accepted" and outcome["rows"] == rows, outcome
        results.append(report(Result(database, "enlace import", label, rows, seconds, rss, round_)))
    if compare:
        ie_url = fresh_database(database, base_url, f"import_export_{rows}", workdir)
        ie_env = environment(ie_url, rows, workdir / f"var-ie-{database}")
        run(ie_env, "migrate", "--verbosity", "0")
        run(ie_env, "org", "create", "bench", "--name", "Bench S.A.", "--country", "EC")
        ie_env["PYTHONPATH"] = str(IMPORT_EXPORT_SITE)
        seconds, rss, out = run_python(
            ie_env, str(ROOT / "bench/import_export_job.py"), str(files["suppliers"]), "bench"
        )
        assert int(out) == rows, out
        results.append(
            report(Result(database, "django-import-export", SUPPLIERS, rows, seconds, rss, round_))
        )
    return results


def floor(files: dict, rows: int, round_: int) -> list:
    env = environment("sqlite:///:memory:", rows, Path(tempfile.gettempdir()))
    results = []
    for label, kind, path in (
        (CUSTOMER_USERS, "customer-users", files["customer_users"]),
        (SUPPLIERS, "suppliers", files["suppliers"]),
    ):
        seconds, rss, out = run_python(env, str(ROOT / "bench/floor_job.py"), kind, str(path))
        assert int(out) == rows, out
        results.append(report(Result("-", "floor", label, rows, seconds, rss, round_)))
    return results


IMPORT_EXPORT_SITE = ROOT / "bench/out/import-export"


def install_import_export() -> None:
    """django-import-export into a folder of its own, for the comparison only."""
    lock = ROOT / "bench/requirements-import-export.lock"
    stamp = IMPORT_EXPORT_SITE / (".installed-" + str(lock.stat().st_mtime_ns))
    if stamp.exists():
        return
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps"]
        + ["--target", str(IMPORT_EXPORT_SITE), "--upgrade", "-r", str(lock)],
        check=True,
    )
    stamp.touch()


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rows", type=int, nargs="+", default=[10_000], help="Rows per generated file (default 10000)"
    )
    parser.add_argument(
        "--compare-max",
        type=int,
        default=100_000,
        help="Run django-import-export on files of at most this many rows (default 100000; 0: never)",
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="Measure the floor and the imports this many times (default 1)"
    )
    parser.add_argument(
        "--databases",
        nargs="+",
        choices=["SQLite", "PostgreSQL"],
        default=["SQLite", "PostgreSQL"],
        help="Which databases to import into (default both; PostgreSQL needs ENLACE_BENCH_POSTGRES_URL)",
    )
    parser.add_argument("--no-floor", action="store_true", help="Do not measure the floor (no ratios)")
    args = parser.parse_args()
    if any(rows <= args.compare_max for rows in args.rows):
        install_import_export()
    postgres = os.environ.get("ENLACE_BENCH_POSTGRES_URL")
    results = []
    with tempfile.TemporaryDirectory(prefix="enlace-bench-") as tmp:
        workdir = Path(tmp)
        write_customers(workdir / "customers.csv")
        for rows in args.rows:
            files = {
                "customers": workdir / "customers.csv",
                "customer_users": workdir / f"customer-users-{rows}.xlsx",
                "suppliers": workdir / f"suppliers-{rows}.csv",
            }
            started = time.perf_counter()
            write_customer_users(files["customer_users"], rows)
            write_suppliers(files["suppliers"], rows)
            print(
                f"Generated {rows:,} rows per file in {time.perf_counter() - started:.1f} s "
                f"(xlsx {files['customer_users'].stat().st_size / 1e6:.1f} MB, "
                f"csv {files['suppliers'].stat().st_size / 1e6:.1f} MB)",
                flush=True,
            )
            for round_ in range(args.rounds):
                # django-import-export once: its margin is wide, and it takes minutes.
                compare = rows <= args.compare_max and round_ == 0
                if not args.no_floor:
                    results += floor(files, rows, round_)
                if "SQLite" in args.databases:
                    results += bench("SQLite", "", files, rows, workdir, compare, round_)
                if postgres and "PostgreSQL" in args.databases:
                    results += bench("PostgreSQL", postgres, files, rows, workdir, compare, round_)
            print_results(results)
            if args.rounds > 1:
                print_medians(results)
            for path in (files["customer_users"], files["suppliers"]):
                path.unlink()


def report(result: Result) -> Result:
    """One line as soon as a run ends: a long benchmark shows what it has measured so far."""
    print(
        f"  {result.database} {result.tool}, {result.file}, {result.rows:,} rows, round {result.round + 1}: "
        f"{result.seconds:.1f} s, {result.rss:.0f} MB",
        flush=True,
    )
    return result


def ratios(results) -> dict:
    """Each result's time over what it is compared with in its round: Enlace over the floor,
    django-import-export over Enlace."""
    floors = {(r.file, r.rows, r.round): r.seconds for r in results if r.tool == "floor"}
    enlace = {(r.database, r.file, r.rows, r.round): r.seconds for r in results if r.tool == "enlace import"}
    out = {}
    for r in results:
        if r.tool == "enlace import" and (r.file, r.rows, r.round) in floors:
            out[r] = r.seconds / floors[(r.file, r.rows, r.round)]
        elif r.tool == "django-import-export":
            out[r] = r.seconds / enlace[(r.database, r.file, r.rows, r.round)]
    return out


def versus(tool: str, ratio) -> str:
    if ratio is None:
        return ""
    return f"{ratio:.1f}x " + ("the floor's time" if tool == "enlace import" else "Enlace's time")


def print_results(results) -> None:
    of = ratios(results)
    header = ("database", "job", "file", "rows", "round", "wall s", "rows/s", "peak RSS MB", "")
    print("\n{:<11} {:<21} {:<24} {:>9} {:>5} {:>7} {:>7} {:>11}  {}".format(*header))
    for r in results:
        print(
            f"{r.database:<11} {r.tool:<21} {r.file:<24} {r.rows:>9,} {r.round + 1:>5} {r.seconds:>7.1f} "
            f"{r.rows / r.seconds:>7,.0f} {r.rss:>11.0f}  {versus(r.tool, of.get(r))}"
        )
    print(flush=True)


def print_medians(results) -> None:
    of = ratios(results)
    groups = {}
    for r in results:
        groups.setdefault((r.database, r.tool, r.file, r.rows), []).append(r)
    print("Medians over the rounds (each ratio measured within its round):")
    header = ("database", "job", "file", "rows", "rounds", "wall s", "peak RSS MB", "")
    print("{:<11} {:<21} {:<24} {:>9} {:>6} {:>7} {:>11}  {}".format(*header))
    for (database, tool, file, rows), group in groups.items():
        ratio = statistics.median(of[r] for r in group) if group[0] in of else None
        print(
            f"{database:<11} {tool:<21} {file:<24} {rows:>9,} {len(group):>6} "
            f"{statistics.median(r.seconds for r in group):>7.1f} "
            f"{max(r.rss for r in group):>11.0f}  {versus(tool, ratio)}"
        )
    print(flush=True)


if __name__ == "__main__":
    main()
