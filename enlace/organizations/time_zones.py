"""Time zones of organizations: the IANA names Enlace accepts, the usual one of each country,
and how a moment reads with its zone (emails are read far from the page that shows them)."""

import datetime
import functools
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils import formats, translation
from django.utils.translation import gettext_lazy as _

# The zone most of a country's businesses keep (its capital's, for countries with several).
USUAL_ZONE = {
    "AR": "America/Argentina/Buenos_Aires",
    "BO": "America/La_Paz",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "CL": "America/Santiago",
    "CO": "America/Bogota",
    "CR": "America/Costa_Rica",
    "CU": "America/Havana",
    "DO": "America/Santo_Domingo",
    "EC": "America/Guayaquil",
    "ES": "Europe/Madrid",
    "GT": "America/Guatemala",
    "HN": "America/Tegucigalpa",
    "MX": "America/Mexico_City",
    "NI": "America/Managua",
    "PA": "America/Panama",
    "PE": "America/Lima",
    "PR": "America/Puerto_Rico",
    "PY": "America/Asuncion",
    "SV": "America/El_Salvador",
    "US": "America/New_York",
    "UY": "America/Montevideo",
    "VE": "America/Caracas",
}
FALLBACK_ZONE = "UTC"


def usual_time_zone(country: str) -> str:
    """The zone an organization of `country` starts with; UTC where Enlace knows no usual one."""
    return USUAL_ZONE.get((country or "").upper(), FALLBACK_ZONE)


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA zone name the system knows, sorted (the settings page's choices)."""
    return tuple(sorted(zoneinfo.available_timezones()))


UNKNOWN_ZONE = _("“%(value)s” is not a time zone. Choose one from the list, such as America/Bogota.")


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(UNKNOWN_ZONE, code="unknown_time_zone", params={"value": value})


def format_moment(moment, *, zone: str, language: str) -> str:
    """A moment as a date and time in `zone`, followed by the zone's name, in `language`:
    "5 Dec 2026, 14:30 (America/Bogota)". For what is read outside the page's own zone."""
    return _format_moment(int(moment.timestamp()), zone, language)


@functools.lru_cache(maxsize=1024)
def _format_moment(seconds: int, zone: str, language: str) -> str:
    # Cached: a delivery chunk's invitations mostly expire within the same second.
    with translation.override(language):
        local = datetime.datetime.fromtimestamp(seconds, tz=zoneinfo.ZoneInfo(zone))
        return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({zone})"
