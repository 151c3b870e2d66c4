from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "enlace.mail"

    def ready(self):
        from enlace.mail import bounces  # noqa: F401  connects the provider's tracking signal
