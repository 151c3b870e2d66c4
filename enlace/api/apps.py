from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "enlace.api"
    label = "api"
    verbose_name = "API"

    def ready(self):
        from enlace.api.webhooks import AuditSubscriber
        from enlace.audit.services import subscribe

        subscribe(AuditSubscriber())
