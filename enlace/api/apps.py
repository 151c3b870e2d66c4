from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "enlace.api"
    label = "api"
    verbose_name = "API"

    def ready(self):
        from enlace.api import webhooks

        webhooks.connect_signals()
