from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker


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
        worker = Worker(
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
