"""Costly figures counted once per window and shared: the home's 32 admins cost one count."""

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone, translation

from enlace.lib.snapshots import FRESH_SECONDS, snapshot


class Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return {"invited": self.calls}


def test_figures_are_counted_once_while_fresh_and_again_once_stale():
    count = Counter()
    first = snapshot("home:1", count)
    assert snapshot("home:1", count) == first
    assert count.calls == 1

    with time_machine.travel(timezone.now() + timedelta(seconds=FRESH_SECONDS + 1)):
        later = snapshot("home:1", count)
        assert later.value == {"invited": 2}
        assert later.taken_at > first.taken_at
        assert snapshot("home:1", count) == later
    assert count.calls == 2
    assert cache.get("home:1:counting") is None  # the mark is given back


def test_while_another_process_counts_stale_figures_are_served_instead_of_counting_again():
    count = Counter()
    first = snapshot("home:2", count)
    with time_machine.travel(timezone.now() + timedelta(seconds=FRESH_SECONDS + 1)):
        assert cache.add("home:2:counting", True)  # another process took the mark
        assert snapshot("home:2", count) == first
    assert count.calls == 1


def test_each_key_has_its_own_figures():
    count = Counter()
    snapshot("home:3:es", count)
    assert snapshot("home:3:en", count).value == {"invited": 2}


def test_a_failed_count_stores_nothing_and_gives_the_mark_back():
    snapshot("home:4", Counter())

    def broken():
        raise RuntimeError("the database went away")

    with time_machine.travel(timezone.now() + timedelta(seconds=FRESH_SECONDS + 1)):
        with pytest.raises(RuntimeError):
            snapshot("home:4", broken)
        assert cache.get("home:4:counting") is None
        assert snapshot("home:4", Counter()).value == {"invited": 1}


def test_counted_behind_the_reader_gets_the_stored_figures_and_a_thread_counts_them(settings):
    settings.SNAPSHOTS_COUNT_BEHIND = True
    counted = threading.Event()

    def count():
        # In the reader's language and time zone, which the thread does not have of its own.
        figures = {"language": translation.get_language(), "zone": timezone.get_current_timezone_name()}
        counted.set()
        return figures

    first = snapshot("home:5", count)  # nothing stored: counted by the reader
    with (
        translation.override("en"),
        timezone.override("America/Bogota"),
        time_machine.travel(timezone.now() + timedelta(seconds=FRESH_SECONDS + 1)),
    ):
        counted.clear()
        assert snapshot("home:5", count) == first  # served at once, stale
        assert counted.wait(5)
        for _ in range(50):
            if cache.get("home:5:counting") is None:
                break
            time.sleep(0.1)
        assert cache.get("home:5").value == {"language": "en", "zone": "America/Bogota"}
        assert cache.get("home:5:counting") is None  # the mark is given back
