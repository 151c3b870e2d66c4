from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "enlace.worker"
    label = "worker"
    verbose_name = "Task worker"

    def ready(self):
        # Imported here, once the models are loaded, as Django's app loading requires.
        from enlace.worker.periodic import register
        from enlace.worker.recovery import recover_abandoned_tasks

        # First, so that the tasks it takes back are queued before anything else runs.
        register("recovered", recover_abandoned_tasks)
