from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "enlace.imports"

    def ready(self):
        # Imported here, once the models are loaded, as Django's app loading requires.
        from enlace.imports.background import fail_abandoned_imports
        from enlace.worker.periodic import register

        register("abandoned_imports", fail_abandoned_imports)
