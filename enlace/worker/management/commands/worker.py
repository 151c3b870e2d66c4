import logging
import random
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.db.utils import OperationalError
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from enlace.worker.periodic import run_periodic_work
from enlace.worker.recovery import Heartbeat, beat, recover_abandoned_tasks
from enlace.worker.shutdown import stopping

logger = logging.getLogger(__name__)

PERIOD_SECONDS = 60


def close_old_connections() -> None:
    """Between tasks, as a request ends: drop a database connection that broke or grew old.

    Except SQLite's: the settings close it after every use, for the web process's sake, but the
    worker keeps it from one task to the next: opening it again (and running its PRAGMAs) cost
    about 5 ms a task. Looked up on db_worker so that the tests' patch of it applies here too.
    """
    if connection.vendor != "sqlite":
        db_worker.close_old_connections()


class EnlaceWorker(db_worker.Worker):
    """django_tasks_db's worker, plus what a worker of ours owes the others: a heartbeat, taking
    back the tasks of dead workers, and the periodic work (expiry, reminders) once a minute."""

    def __init__(self, *, periodic: bool, **options):
        super().__init__(**options)
        self.periodic = periodic
        self.next_periodic = 0.0
        self.heartbeat = None

    def run(self) -> None:
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # workers started together do not poll in step
        stopping.clear()
        beat(self.worker_id)
        # An in-memory SQLite database (the tests) cannot be shared with a second thread.
        if not (connection.vendor == "sqlite" and connection.is_in_memory_db()):
            self.heartbeat = Heartbeat(self.worker_id)
            self.heartbeat.start()
        try:
            recover_abandoned_tasks()
            self.loop()
        finally:
            stopping.clear()
            if self.heartbeat:
                self.heartbeat.stop()

    def shutdown(self, signum, frame) -> None:
        stopping.set()  # a chunk under way hands back the rest of its messages
        super().shutdown(signum, frame)

    def loop(self) -> None:
        # As db_worker.Worker.run, with the periodic work between tasks.
        while self.running:
            close_old_connections()
            if self.periodic and time.monotonic() >= self.next_periodic:
                self.next_periodic = time.monotonic() + PERIOD_SECONDS
                run_periodic_work()
            task_result, retrieved = self.claim_next()
            if task_result is not None:
                self.run_task(task_result)
            if self.batch and retrieved and task_result is None:
                return
            close_old_connections()
            if self.running and task_result is None:
                time.sleep(self.interval)

    def claim_next(self):
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        with exclusive_transaction(tasks.db):
            try:
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
            except OperationalError as error:
                if is_locked_database_exception(error):
                    return None, False
                raise
        return task_result, True


class Command(BaseCommand):
    help = "Run the background worker that sends email and processes large imports."

    def add_arguments(self, parser):
        parser.add_argument(
            "--drain",
            action="store_true",
            help="Run until the queue is empty, then exit (for scripts and tests).",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to wait between polls of an empty queue (default: 1).",
        )

    def handle(self, *args, drain, interval, verbosity, **options):
        worker = EnlaceWorker(
            # Expiry and reminders belong to a worker that keeps running, not to a drain.
            periodic=not drain,
            queue_names=["*"],
            interval=interval,
            batch=drain,
            backend_name="default",
            startup_delay=not drain,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        if not drain:
            worker.configure_signals()
            self.stdout.write("Worker started; waiting for tasks (Ctrl+C to stop).")
        worker.run()
