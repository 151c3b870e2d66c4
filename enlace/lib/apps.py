from django.apps import AppConfig


class LibConfig(AppConfig):
    """The helpers that belong to no app; an app only to own the rate limits' counters."""

    name = "enlace.lib"
    label = "lib"
