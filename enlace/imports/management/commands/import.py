"""`enlace import customers|customer-users|suppliers FILE --org SLUG [--dry-run] [--json]`.

On a terminal it draws a progress bar on stderr (rows read, validated, applied, invitations
queued); never with --json or when stderr is a file or a pipe, so scripts read clean output.
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from enlace.imports.models import ImportBatch
from enlace.imports.readers import FileError, estimate_rows
from enlace.imports.services import import_file
from enlace.organizations.models import Organization

KINDS = {
    "customers": (ImportBatch.Kind.CUSTOMERS, "Load or update the customer master (upsert by Code)."),
    "customer-users": (
        ImportBatch.Kind.CUSTOMER_USERS,
        "Import customers' people; each gets a registration link by email.",
    ),
    "suppliers": (
        ImportBatch.Kind.SUPPLIERS,
        "Load or update suppliers (upsert by tax ID); Notify=1 rows get an activation code.",
    ),
}
EXIT_REJECTED = 1
EXIT_UNREADABLE = 2


class Command(BaseCommand):
    help = (
        "Import a CSV, XLSX, XLS or ODS file. Every row is checked first: a file with any error "
        "changes nothing. Exit status: 0 accepted, 1 rejected for row errors, 2 file unreadable "
        "or wrong arguments."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(
            dest="kind", required=True, metavar="{customers,customer-users,suppliers}"
        )
        for name, (_kind, description) in KINDS.items():
            command = sub.add_parser(name, help=description, description=description)
            command.add_argument("file", help="The .xlsx, .xls, .ods or .csv file")
            command.add_argument("--org", required=True, help="The organization's slug")
            command.add_argument("--dry-run", action="store_true", help="Validate only; write nothing")
            if name == "suppliers":
                command.add_argument(
                    "--resend-pending",
                    action="store_true",
                    help="Send a fresh code to Notify=1 suppliers that hold a pending one (by default "
                    "they keep it: their emailed code goes on working)",
                )
            command.add_argument(
                "--json",
                dest="as_json",
                action="store_true",
                help="Print one JSON object with the outcome and every error",
            )

    def handle(self, *args, kind, file, org, dry_run, as_json, resend_pending=False, **options):
        try:
            organization = Organization.objects.get(slug=org)
        except Organization.DoesNotExist:
            raise CommandError(f"No organization with slug {org!r}.", returncode=EXIT_UNREADABLE) from None
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file.", returncode=EXIT_UNREADABLE)
        with translation.override(organization.language), path.open("rb") as handle:
            bar = None
            if not as_json and self.stderr.isatty():
                bar = ProgressBar(self.stderr._out, expected_rows=estimate_rows(handle))
            try:
                batch = import_file(
                    organization=organization,
                    kind=KINDS[kind][0],
                    file=handle,
                    filename=path.name,
                    dry_run=dry_run,
                    resend_pending=resend_pending,
                    progress=bar,
                )
            except FileError as error:
                raise CommandError(f"{file}: {error.message}", returncode=EXIT_UNREADABLE) from None
            finally:
                if bar:
                    bar.close()
            report = report_of(batch)
            if as_json:
                self.stdout.write(json.dumps(report, ensure_ascii=False))
            else:
                self.stdout.write(summary_of(report, dry_run=dry_run))
        if report["status"] != "accepted":
            sys.exit(EXIT_REJECTED)


def report_of(batch: ImportBatch) -> dict:
    accepted = batch.status in (ImportBatch.Status.APPLIED, ImportBatch.Status.VALIDATING)
    return {
        "status": "accepted" if accepted else "rejected",
        "rows": batch.rows,
        "created": batch.created,
        "updated": batch.updated,
        "invitations": batch.invitations,
        "left_pending": batch.left_pending,
        "errors": [
            {"row": e["row"], "column": e["column"], "code": e["code"], "message": e["message"]}
            for e in batch.errors
        ],
    }


def _kept(report: dict) -> str:
    kept = report["left_pending"]
    if not kept:
        return ""
    return (
        f" {kept} supplier{'s' if kept != 1 else ''} with a pending code kept it "
        "(--resend-pending sends fresh codes)."
    )


def summary_of(report: dict, *, dry_run: bool) -> str:
    if report["status"] == "accepted":
        if dry_run:
            return f"Valid: {report['rows']} rows; nothing written (dry run).{_kept(report)}"
        return (
            f"Accepted: {report['rows']} rows, {report['created']} created, {report['updated']} updated, "
            f"{report['invitations']} invitations queued.{_kept(report)}"
        )
    lines = [f"Rejected: {len(report['errors'])} errors in {report['rows']} rows; nothing was written."]
    lines += [f"  row {e['row']}, {e['column']}: {e['message']}" for e in report["errors"]]
    return "\n".join(lines)


class ProgressBar:
    """A one-line bar redrawn in place with a carriage return: the `progress` of import_file."""

    LABELS = {
        "read": "Reading rows",
        "validated": "Rows checked",
        "applied": "Writing rows",
        "queued": "Queueing invitations",
    }
    WIDTH = 30

    def __init__(self, stream, *, expected_rows: int = 0):
        self.stream = stream
        self.expected_rows = expected_rows
        self.drawn = False

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        total = total if total is not None else max(self.expected_rows, done)
        filled = self.WIDTH * min(done, total) // total if total else 0
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        label = self.LABELS.get(stage, stage)
        self.stream.write(f"\r\x1b[K{label:<22} [{bar}] {done:,} / {total:,}")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """Erase the bar, so that the report starts on a clean line."""
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
