"""Run in a separate process against a real database, as a web process or a worker would:
`python -m tests.imports.scenario setup 1500` / `work` / `poll ID` / `report ID`.

`work` runs the worker with a pause in the middle of the apply transaction (after its first
chunk), announced by the file `paused` in ENLACE_VAR_DIR; it goes on when the file `go` exists.
"""

import json
import os
import sys
import time
from pathlib import Path


def main(command, *args):
    import django

    django.setup()
    from django.core.management import call_command

    from enlace.imports.models import ImportBatch
    from enlace.partners.models import Partner

    var = Path(os.environ["ENLACE_VAR_DIR"])
    if command == "setup":
        from enlace.imports.background import queue_import
        from enlace.organizations.models import Organization
        from tests.imports.helpers import CUSTOMERS_HEADER, csv_file, customer_row

        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        organization = Organization.objects.create(slug="acme", name="Acme S.A.", country="EC")
        upload = csv_file([customer_row(n) for n in range(1, int(args[0]) + 1)], CUSTOMERS_HEADER)
        batch = queue_import(
            organization=organization, kind="customers", file=upload, filename="clientes.csv"
        )
        print(json.dumps({"batch": batch.pk}))
    elif command == "work":
        from enlace.imports import progress

        record = progress.ProgressRecorder.__call__

        def pausing(self, stage, done, total):
            record(self, stage, done, total)
            if stage == "applied" and done and not (var / "go").exists():
                (var / "paused").write_text(json.dumps(self.counts))
                deadline = time.monotonic() + 60
                while not (var / "go").exists() and time.monotonic() < deadline:
                    time.sleep(0.05)

        progress.ProgressRecorder.__call__ = pausing
        call_command("worker", "--drain", "--interval", "0.1", verbosity=0)
    elif command == "poll":
        from django.template.loader import render_to_string

        from enlace.imports.progress import batch_progress

        batch = ImportBatch.objects.get(pk=args[0])
        progress = batch_progress(batch) if batch.running else None
        html = render_to_string("imports/_batch_progress.html", {"batch": batch, "progress": progress})
        print(
            json.dumps(
                {
                    "status": batch.status,
                    "progress": progress,
                    "bar": 'value="' in html and "<progress" in html,
                    "partners": Partner.objects.count(),
                }
            )
        )
    elif command == "report":
        batch = ImportBatch.objects.get(pk=args[0])
        print(
            json.dumps(
                {"status": batch.status, "created": batch.created, "partners": Partner.objects.count()}
            )
        )


if __name__ == "__main__":
    main(*sys.argv[1:])
