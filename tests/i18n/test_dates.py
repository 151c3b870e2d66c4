"""Dates read the same to everyone: no 12/04/2026, which half of the readers take for April."""

import datetime as dt

from django.utils import translation
from django.utils.formats import date_format

WHEN = dt.datetime(2026, 12, 4, 9, 30)


def test_english_pages_write_the_month_as_a_word():
    with translation.override("en"):
        assert date_format(WHEN, "SHORT_DATETIME_FORMAT") == "4 Dec 2026, 09:30"
        assert date_format(WHEN, "DATETIME_FORMAT") == "4 Dec 2026, 09:30"
        assert date_format(WHEN.date(), "SHORT_DATE_FORMAT") == "4 Dec 2026"


def test_spanish_pages_keep_day_month_year():
    with translation.override("es"):
        assert date_format(WHEN.date(), "SHORT_DATE_FORMAT") == "04/12/2026"
