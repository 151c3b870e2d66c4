"""The live progress of an import the worker is processing: rows read, validated, applied and
invitations queued, readable by the pages and the API while the import runs.

The apply phase is one database transaction (all or nothing). Whatever the worker writes through
that connection stays invisible to the pages until the end, and on SQLite no other connection
may even write until then. So the counts live in a cache of their own, `import_progress`, that
never goes through that transaction:

- Redis, when ENLACE_CACHE_URL is Redis: every machine sees it.
- Otherwise on PostgreSQL, a table written through a second connection to the same database
  (the `progress` alias, in autocommit): every write is visible at once to every web process on
  every machine, and nothing new has to run.
- Otherwise (SQLite), files under ENLACE_VAR_DIR: a SQLite database lives on one machine, so the
  web process and the worker share its disk.

The stage (queued, validating, applying) and the outcome are on the ImportBatch row; this is
only the counts, and losing them (a cache flush) only blanks the bar until the next update.
"""

import logging

from django.core.cache import caches
from django.db import connections

log = logging.getLogger(__name__)

ALIAS = "import_progress"
DATABASE = "progress"
TABLE = "enlace_import_progress"
STAGES = ("read", "validated", "applied", "queued")
KEEP_SECONDS = 7 * 24 * 3600


def progress_key(batch_id) -> str:
    return f"import-progress:{batch_id}"


def read_progress(batch_id) -> dict | None:
    """The counts last recorded for a batch, or None; never raises (a page must still render)."""
    try:
        return caches[ALIAS].get(progress_key(batch_id))
    except Exception:
        log.warning("could not read the progress of import batch %s", batch_id, exc_info=True)
        return None


def batch_progress(batch) -> dict:
    """What a running batch's page and the API show: its stage, the bar (done of total rows, or
    no total while it waits) and every stage's count."""
    counts = read_progress(batch.pk) or {}
    stage = counts.get("stage", "")
    done, total = counts.get("done", 0), counts.get("total", 0)
    if batch.status == batch.Status.QUEUED:
        stage, done, total = "waiting", 0, 0
    elif batch.status == batch.Status.APPLYING and stage in ("read", "validated"):
        # Writing has just begun: its bar starts empty rather than full of validated rows.
        stage, done, total = "applied", 0, counts.get("validated", 0)
    return {
        "stage": stage or "read",
        "done": min(done, total) if total else done,
        "total": total,
        "percent": int(100 * done / total) if total else 0,
        **{name: counts.get(name, 0) for name in STAGES},
    }


class ProgressRecorder:
    """The `progress(stage, done, total)` callable of a batch the worker processes: keeps the
    count of every stage and writes them all to the progress cache at each call."""

    def __init__(self, batch_id, *, expected_rows: int = 0):
        self.batch_id = batch_id
        self.counts = {"stage": "read", "done": 0, "total": expected_rows, "expected": expected_rows}
        self.counts.update(dict.fromkeys(STAGES, 0))
        self._write()

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        self.counts[stage] = done
        # Reading has no total until the end: until then, the estimate made before starting.
        total = total if total is not None else max(self.counts["expected"], done)
        self.counts.update(stage=stage, done=done, total=total)
        self._write()

    def _write(self) -> None:
        try:
            caches[ALIAS].set(progress_key(self.batch_id), dict(self.counts), KEEP_SECONDS)
        except Exception:
            # The bar is a courtesy: an import never fails because its progress could not be shown.
            log.warning("could not record the progress of import batch %s", self.batch_id, exc_info=True)


class ProgressRouter:
    """Sends the progress table (a database cache) through the `progress` connection, when there
    is one (PostgreSQL), so that its writes commit at once, outside the import's transaction."""

    def db_for_write(self, model, **hints):
        if model._meta.db_table == TABLE and DATABASE in connections.settings:
            return DATABASE
        return None

    db_for_read = db_for_write

    def allow_migrate(self, db, app_label, **hints):
        # The same database as `default`, which is the one migrated (and given its cache tables).
        return False if db == DATABASE else None
