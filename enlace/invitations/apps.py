from django.apps import AppConfig


class InvitationsConfig(AppConfig):
    name = "enlace.invitations"

    def ready(self):
        # Imported here, once the models are loaded, as Django's app loading requires.
        from enlace.invitations import bounces  # noqa: F401  connects the provider's tracking signal
        from enlace.invitations.recovery import requeue_stranded_invitations, requeue_stranded_reminders
        from enlace.invitations.reminders import queue_reminders
        from enlace.invitations.services import expire_overdue_invitations
        from enlace.worker.periodic import register

        register("requeued", requeue_stranded_invitations)
        register("expired", expire_overdue_invitations)
        register("reminders_requeued", requeue_stranded_reminders)
        register("reminders", queue_reminders)
