"""The work `enlace worker` does once a minute by itself, so that no other daemon is needed.

Apps register their jobs (expiry, reminders, abandoned imports ...) from their AppConfig.ready
with `register`; the worker runs them in the order they were registered. Each job takes a `now`
keyword and returns what it did (a count). Each must be safe to run in several workers at once:
lock or claim the rows it changes.
"""

import logging

logger = logging.getLogger(__name__)

_jobs: dict = {}


def register(name: str, job) -> None:
    """Have every worker run `job(now=...)` once a minute; `name` labels what it returns."""
    _jobs[name] = job


def registered() -> dict:
    return dict(_jobs)


def run_periodic_work(*, now=None) -> dict:
    """Run every registered job once; what each returned, by name."""
    done = {}
    for name, job in _jobs.items():
        try:
            done[name] = job(now=now)
        except Exception:
            # One failing job must not stop the others, nor the worker.
            logger.exception("Periodic work %s failed", name)
    return done
