# English pages are read across the Americas: day, month name and year, never 12/04/2026, which
# half of the readers take for the 12th of April.
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
