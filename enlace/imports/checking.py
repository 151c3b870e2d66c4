"""The row checks of a large file, spread over check processes.

A row's cell rules (an email, a phone, a tax ID, lengths) need neither the database nor any other
row, and on a large file they are most of the reading: email-validator, phonenumbers and
python-stdnum cost tens of microseconds a row, in Python, on one core. So once a file has shown
IMPORT_PARALLEL_ROWS rows, the rest go in batches to IMPORT_CHECK_PROCESSES check processes
(one per core this process may use, at most 4, by default) while this process reads the file
and keeps the checked rows; the results come back in file order, exactly as the validator would
have produced them here. A small file never starts a process, and while the check processes start this
process goes on checking rows itself.

The check processes are processes of their own (`python -m enlace.imports.check_process`), not
multiprocessing's: those would import the parent's main module again, whatever program that is.
They get no secret (check_process_environment). A check process that cannot start, dies or sends something
unreadable costs nothing but time: its batches, and the rest of the file, are checked here
instead.
"""

import contextlib
import logging
import marshal
import os
import queue
import secrets
import struct
import subprocess
import sys
import threading
from itertools import chain, islice

from django.conf import settings
from django.utils import translation

from enlace.imports.readers import child_environment

log = logging.getLogger(__name__)

BATCH = 500  # rows per message to a check process
AHEAD = 3  # batches sent to each check process before its first result is awaited
CHECK_PROCESS_MODULE = "enlace.imports.check_process"
FRAME = struct.Struct("<I")  # each message: its length, then marshal's bytes
READY = "ready"  # a check process's first message, once it can check rows


def checked_rows(validator, rows):
    """(number, clean, errors) for each (number, row) of `rows`, in order: what
    `validator.check_row` says of it, here or in the check processes."""
    rows = iter(rows)
    for number, row in islice(rows, settings.IMPORT_PARALLEL_ROWS):
        yield number, *validator.check_row(number, row)
    batches = _batches(rows)
    first = next(batches, None)
    if first is None:
        return
    processes = settings.IMPORT_CHECK_PROCESSES
    if processes < 2:
        for batch in chain((first,), batches):
            yield from check_here(validator, batch)
        return
    pool = None
    try:
        pool = CheckPool(validator, processes)
        for batch in chain((first,), batches):
            yield from pool.check(batch)
        yield from pool.drain(keep=0)
    finally:
        if pool is not None:
            pool.close()


def _batches(rows):
    while batch := list(islice(rows, BATCH)):
        yield batch


def check_here(validator, batch) -> list:
    return [(number, *validator.check_row(number, row)) for number, row in batch]


def write_message(stream, value) -> None:
    data = marshal.dumps(value)
    stream.write(FRAME.pack(len(data)) + data)
    stream.flush()


def read_message(stream):
    """The next message, or None at the end of the stream."""
    head = stream.read(FRAME.size)
    if len(head) < FRAME.size:
        return None
    (size,) = FRAME.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        return None
    # Bytes our own check process wrote, from rows this process sent it: never input as such.
    return marshal.loads(data)  # noqa: S302


class CheckPool:
    """Batches sent round-robin to the check processes; their results taken back in file order (each
    check process answers its batches in the order it got them)."""

    def __init__(self, validator, processes):
        self.validator = validator
        self.processes = []
        self.pending = []  # (batch, its check process), in file order
        self.sent = 0
        self.broken = False
        try:
            for _ in range(processes):
                self.processes.append(_CheckProcess(validator))
        except OSError:
            # No process to be had (too many open files or processes): this one checks all.
            log.warning("could not start a row-checking process; the file is checked here", exc_info=True)
            self.broken = True

    def check(self, batch):
        """Send `batch` to a check process (or check it here while they start, or once one has died);
        yields the rows of the oldest batches whose turn has come."""
        if self.broken or not self.pending and not all(checker.ready.is_set() for checker in self.processes):
            # A check process takes about a second to start (Python, Django, the validators' data):
            # meanwhile this process checks the rows itself rather than wait for it.
            return check_here(self.validator, batch)
        checker = self.processes[self.sent % len(self.processes)]
        self.sent += 1
        self.pending.append((batch, checker))
        if not checker.send(batch):
            self.broken = True
        return self.drain(keep=AHEAD * len(self.processes))

    def drain(self, *, keep):
        """Yield the oldest batches' rows until `keep` batches are left waiting (none once a
        check process has died: then the rest is checked here)."""
        while len(self.pending) > (0 if self.broken else keep):
            batch, checker = self.pending.pop(0)
            checked = None if self.broken else checker.result()
            if checked is None:
                if not self.broken:
                    log.warning("a row-checking process died; the rest of the file is checked here")
                self.broken = True
                checked = check_here(self.validator, batch)
            yield from checked

    def close(self) -> None:
        for checker in self.processes:
            checker.close()


def check_process_environment() -> dict:
    """What a check process needs to set Django up as its parent did, and no secret: it checks text
    taken from an uploaded file, and needs neither the database nor the mail server."""
    return {
        **child_environment(),
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "enlace.settings"),
        # The settings refuse to load without a key; this one signs nothing.
        "ENLACE_SECRET_KEY": secrets.token_urlsafe(50),
    }


class _CheckProcess:
    """One check process; a thread reads its answers, so that it never waits to write them."""

    def __init__(self, validator):
        arguments = [validator.kind, validator.country, translation.get_language() or "", *validator.present]
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
            [sys.executable, "-m", CHECK_PROCESS_MODULE, *arguments],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=check_process_environment(),
        )
        self.results = queue.SimpleQueue()
        self.ready = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        try:
            if read_message(self.process.stdout) == READY:
                self.ready.set()
            while (message := read_message(self.process.stdout)) is not None:
                self.results.put(message)
        except Exception:  # noqa: BLE001 - whatever the check process sent, its results end here
            log.warning("a row-checking process sent something unreadable", exc_info=True)
        finally:
            self.results.put(None)

    def send(self, batch) -> bool:
        try:
            write_message(self.process.stdin, batch)
        except (OSError, ValueError):
            return False
        return True

    def result(self):
        """The checked rows of the oldest batch sent, or None if the check process died."""
        return self.results.get()

    def close(self) -> None:
        """End the check process: its answers have all been taken (or are no longer wanted), so it
        is not waited for, even if it is still starting."""
        with contextlib.suppress(OSError, ValueError):
            self.process.stdin.close()
        self.process.kill()
        self.process.wait()
        self.reader.join()
