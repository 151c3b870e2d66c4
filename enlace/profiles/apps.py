from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "enlace.profiles"

    def ready(self):
        # Imported here, once the models are loaded, as Django's app loading requires.
        from enlace.profiles.documents import queue_expiry_reminders
        from enlace.worker.periodic import register

        register("document_reminders", queue_expiry_reminders)
